"""Recording what kesu.privacy did (issue 14). One call, ``record``: today a PrivacyRecord row; when
the audit chain (kesu.audit) lands, the same call writes the chain entry instead, so no caller
changes. Each case a step touched also carries the step on its own timeline (the kernel's event)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kesu.org.models import Staff
from kesu.privacy.models import PrivacyRecord


def record(kind: str, *, actor: Staff | None, now: datetime, reason: str = "", **details: Any) -> PrivacyRecord:
    """``details``: case numbers, counts, a masked phone — never the personal data itself."""
    return PrivacyRecord.objects.create(kind=kind, at=now, actor=actor, reason=reason, details=details)
