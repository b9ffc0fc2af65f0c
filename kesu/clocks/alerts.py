"""Notices the clocks send: warnings before a due time, breaches, calendar gaps, contact limits.

They are written in the caller's transaction (kesu.notifications.notify), so a rolled-back change
sends nothing, and delivered after commit.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from kesu.clocks.models import ComplaintClock
from kesu.clocks.people import manager_above, responsible_person, with_role
from kesu.complaints.models import Complaint
from kesu.core.roles import Role
from kesu.notifications import outbox
from kesu.notifications.services import notify
from kesu.org.models import Staff
from kesu.policies.services import policy_of


def _when(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def _params(c: Complaint, k: ComplaintClock) -> dict[str, object]:
    english = next((x.name_en for x in policy_of(c.policy_version).clocks if x.code == k.code), "")
    return {"number": c.number, "clock": k.name, "clock_en": english or k.name, "due": _when(k.due_at)}


def warn_owner(c: Complaint, k: ComplaintClock, *, now: datetime) -> None:
    person = responsible_person(c, k.responsible_role, assisting=k.assist_department) or c.owner
    recipients = [p for p in {person, c.owner} if p is not None]
    notify(recipients=recipients, kind="clock_warning", now=now, complaint=c, params=_params(c, k),
           dedupe_key=f"clock_warning:{k.pk}:{k.due_at.isoformat()}")


def announce_breach(c: Complaint, k: ComplaintClock, *, person: Staff | None, escalate_to: str | None,
                    now: datetime) -> None:
    recipients = set(manager_above(c.department, person, about=c))
    if person is not None:
        recipients.add(person)
    if escalate_to:
        recipients |= set(with_role(escalate_to, about=c))
    late = int((now - k.due_at).total_seconds() // 60)
    policy = policy_of(c.policy_version)
    # issue 13: lateness in days and hours (rendered per reader); past the policy's number a day,
    # one person's further breaches fold into one digest. Issue 16: routes of "clock_breached".
    notify(recipients=list(recipients), kind="clock_breached", now=now, complaint=c,
           params={**_params(c, k), "late_minutes": late}, dedupe_key=f"clock_breached:{k.pk}",
           fold_after=policy.notifications.breach_digest_after)
    outbox.route_event("clock_breached", policy=policy, complaint_id=c.pk, level=c.level, now=now,
                       params={**_params(c, k), "late_minutes": late}, told=recipients)


def alert_uncovered_calendar(c: Complaint, k: ComplaintClock, *, now: datetime) -> None:
    notify(recipients=list(with_role(Role.SYSADMIN)), kind="calendar_uncovered", now=now, complaint=c,
           params={**_params(c, k), "years": "、".join(str(y) for y in k.uncovered_years)},
           dedupe_key=f"calendar_uncovered:{k.pk}:{k.due_at.isoformat()}")


def alert_contact_limit(c: Complaint, *, contacts: int, limit: int, escalate_to: str, now: datetime) -> None:
    recipients = set(with_role(escalate_to, about=c)) | set(manager_above(c.department, c.owner, about=c))
    params = {"number": c.number, "contacts": contacts, "limit": limit}
    notify(recipients=list(recipients), kind="contact_limit_exceeded", now=now, complaint=c, params=params,
           dedupe_key=f"contact_limit:{c.pk}:{contacts}")
    outbox.route_event("contact_limit_exceeded", policy=policy_of(c.policy_version), complaint_id=c.pk,
                       level=c.level, now=now, params=params, told=recipients)


def report_broken_row(*, what: str, row_id: int, error: str, now: datetime) -> None:
    notify(recipients=list(with_role(Role.SYSADMIN)), kind="sweep_error", now=now,
           params={"what": what, "id": row_id, "error": error[:300]}, dedupe_key=f"sweep_error:{what}:{row_id}")
