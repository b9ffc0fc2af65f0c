"""Legal hold (issue 14): a case under a dispute, a regulator's or a court's request is kept out of
retention and erasure until the hold is cleared. Set and cleared by legal, the CS manager or the
system administrator (kesu.privacy.rules), with a reason; each is a kernel step on the case's
timeline (设置法律保全 / 解除法律保全) and a privacy record."""

from __future__ import annotations

from datetime import datetime

from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core.errors import KesuError
from kesu.core.messages import Said
from kesu.core.policy import Policy
from kesu.org.models import Staff
from kesu.privacy import rules
from kesu.privacy.record import record


def set_hold(complaint: Complaint, *, on: bool, actor: Staff, now: datetime, reason: str) -> Complaint:
    rules.check_hold(actor)
    if not reason.strip():
        raise KesuError("reason_required", field="reason", label=("原因", "Reason"),
                        action=Said("设置法律保全", "setting a legal hold") if on
                        else Said("解除法律保全", "clearing a legal hold"))
    if complaint.anonymised_at is not None and on:
        raise KesuError("privacy_already_anonymised", number=complaint.number)

    def change(c: Complaint, policy: Policy) -> None:
        if c.legal_hold == on:
            raise KesuError("privacy_hold_unchanged", number=c.number)
        c.legal_hold = on
        c.legal_hold_by, c.legal_hold_at, c.legal_hold_reason = (actor, now, reason) if on else (None, None, "")

    kind = "legal_hold_set" if on else "legal_hold_cleared"
    c = lifecycle.privacy_step(complaint, kind, actor=actor, now=now, reason=reason, change=change,
                               extra={"legal_hold": [not on, on]})
    record(kind, actor=actor, now=now, reason=reason, cases=[c.number])
    return c
