"""The tamper-evident audit chain (SPEC F12, docs/privacy.md "Audit chain").

One line records anything that matters, inside the caller's transaction::

    from kesu import audit
    audit.record("export.penalties_xlsx", actor=staff, now=now, target=("export", "penalties"),
                 data={"month": "2026-03", "rows": 12})

The entry exists if and only if the caller's transaction commits. ``data`` is JSON (no personal
data: name the row, not the customer). Timeline events are chained by the kernel itself
(``kesu.complaints.timeline``); ``python -m kesu audit verify`` checks everything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def record(kind: str, *, actor: Any, now: datetime, target: tuple[str, object], data: Any = None) -> None:
    """Append one entry: ``kind`` a dotted code, ``actor`` a Staff or None (the system),
    ``target`` (type, id) of what it is about."""
    from kesu.audit.services import record as _record

    _record(kind, actor=actor, now=now, target=target, data=data)
