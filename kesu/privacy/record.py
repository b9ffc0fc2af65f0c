"""Recording what kesu.privacy did (issue 14). One call, ``record``: a PrivacyRecord row (the
privacy officer's list) and, in the same transaction, an entry ``privacy.<kind>`` of the audit
chain (kesu.audit) with the same details. Each case a step touched also carries the step on its
own timeline (the kernel's event, itself chained)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from kesu import audit
from kesu.org.models import Staff
from kesu.privacy.models import PrivacyRecord


def record(kind: str, *, actor: Staff | None, now: datetime, reason: str = "", **details: Any) -> PrivacyRecord:
    """``details``: case numbers, counts, a masked phone — never the personal data itself."""
    with transaction.atomic():
        row = PrivacyRecord.objects.create(kind=kind, at=now, actor=actor, reason=reason, details=details)
        audit.record(f"privacy.{kind}", actor=actor, now=now, target=("privacy_record", row.pk),
                     data={"reason": reason, **details})
    return row
