from __future__ import annotations

from datetime import datetime
from typing import Any

from kesu.audit.verify import anchor
from kesu.tasks import register


@register("audit.anchor", every_seconds=86400)
def anchor_task(*, now: datetime) -> dict[str, Any]:
    """Daily: the chain head written out (and mailed), so a rewritten chain is detectable."""
    return anchor(now=now)
