"""The clock sweep (SPEC F6): warnings before due times, breaches at them, penalties for breaches.

Reads only clocks that can warn or breach now, through partial indexes, so its cost follows the
number of due clocks and not the number of open complaints. Each clock is claimed with a
conditional UPDATE inside its own transaction, after its complaint's row is locked (the
lifecycle's lock order): two sweeps running at once never record a breach or book a penalty
twice. A clock found running on a closed case is cancelled instead of warned or breached
(defence in depth: closing a case cancels its clocks). A row that fails is logged, reported to
administrators, and skipped.

A burst (many clocks due at one instant: a busy hour's first-contact clocks) is shared out: a sweep
that finds more than ``SHARE_AT`` due clocks asks for another sweep at once (``enqueue``: on Celery,
another idle ``clocks`` worker joins; a queued one is not queued twice), and each sweep skips a
complaint another sweep holds locked (``SKIP LOCKED``) and goes on to the next, so several sweeps
book a burst side by side instead of queueing behind each other's locks (bench/README.md, scale.py).
A complaint skipped because a person's step held it at that instant is booked by the next sweep.
On SQLite (one writer at a time) nothing is shared: one sweep does it all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q

from kesu.audit.services import record_rows
from kesu.clocks import alerts
from kesu.clocks.models import DUE_CANDIDATE, WARN_CANDIDATE, ComplaintClock, PenaltyEntry
from kesu.clocks.people import responsible_department, responsible_person
from kesu.complaints.models import Complaint
from kesu.complaints.timeline import append_event
from kesu.core.clocks import runs_no_clocks
from kesu.core.policy import Clock, Level
from kesu.policies.services import policy_of

log = logging.getLogger(__name__)
BATCH = 500
SHARE_AT = 200  # due clocks above which a sweep asks for a second one


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0
    penalties: int = 0
    failed: int = 0


def sweep(*, now: datetime) -> SweepResult:
    result = SweepResult()
    warn = _due(WARN_CANDIDATE & Q(due_at__gt=now), "warn_at", now)  # past due: the breach says it
    breach = _due(DUE_CANDIDATE, "due_at", now)
    if len(warn) + len(breach) > SHARE_AT and connection.features.has_select_for_update_skip_locked:
        from kesu.tasks import enqueue

        enqueue("clocks.sweep")  # a second sweep shares the burst (see the module's docstring)
    for clock_id in warn:
        _guarded(result, "clock_warning", clock_id, now, lambda cid: _warn(cid, now, result))
    for clock_id in breach:
        _guarded(result, "clock_breach", clock_id, now, lambda cid: _breach(cid, now, result))
    return result


def _due(condition, field: str, now: datetime) -> list[int]:  # type: ignore[no-untyped-def]
    return list(
        ComplaintClock.objects.filter(condition, **{f"{field}__lte": now}).order_by(field).values_list("pk", flat=True)
    )


def _guarded(result: SweepResult, what: str, clock_id: int, now: datetime, work) -> None:  # type: ignore[no-untyped-def]
    try:
        work(clock_id)
    except Exception as exc:  # one broken row must not stop the sweep
        result.failed += 1
        log.exception("clock sweep: %s failed for clock %s", what, clock_id)
        try:
            with transaction.atomic():
                alerts.report_broken_row(what=what, row_id=clock_id, error=repr(exc), now=now)
        except Exception:
            log.exception("clock sweep: could not report the failure of clock %s", clock_id)


def _warn(clock_id: int, now: datetime, result: SweepResult) -> None:
    complaint_id = ComplaintClock.objects.values_list("complaint_id", flat=True).get(pk=clock_id)
    with transaction.atomic():
        # The lifecycle's lock order (complaint, then its clocks): the complaint's state is read
        # under its lock, and a clock is cancelled or claimed only then.
        c = (Complaint.objects.select_for_update(of=("self",), skip_locked=True)
             .select_related("owner", "receiver", "department", "complained_department").filter(pk=complaint_id)
             .first())
        if c is None:
            return  # another sweep holds it (or a person's step, this instant): it is theirs, or the next sweep's
        if _closed(c, clock_id, now):
            return
        claimed = ComplaintClock.objects.filter(WARN_CANDIDATE, pk=clock_id, warn_at__lte=now, due_at__gt=now)
        if not claimed.update(warned_at=now):
            return  # another sweep took it, or the clock stopped meanwhile
        record_rows(ComplaintClock, [clock_id], now=now)  # the clock's new digest (audit chain)
        k = ComplaintClock.objects.get(pk=clock_id)
        alerts.warn_owner(c, k, now=now)
        result.warned += 1


def _closed(c: Complaint, clock_id: int, now: datetime) -> bool:
    """No clock runs on a closed case (kesu.core.clocks): one found running there is cancelled —
    no warning, no breach, no event, no penalty."""
    if not runs_no_clocks(c.status):
        return False
    if ComplaintClock.objects.filter(pk=clock_id, stopped_at__isnull=True, cancelled_at__isnull=True).update(
            cancelled_at=now):
        record_rows(ComplaintClock, [clock_id], now=now)
        log.warning("clock sweep: clock %s was still running on closed complaint %s; cancelled", clock_id, c.pk)
    return True


def penalty_for(clock: Clock | None, level: Level | None) -> tuple[Decimal, str]:
    """What a breach of ``clock`` costs (SPEC F6): the clock's own amount where the policy gives one
    (issue 18), else the level's 超时扣罚 when the clock books it; and what the entry says."""
    if clock is not None and clock.penalty_amount is not None:
        return clock.penalty_amount, ""
    if clock is not None and clock.penalty and level is not None:
        return level.penalty, level.name
    return Decimal(0), ""


def _breach(clock_id: int, now: datetime, result: SweepResult) -> None:
    complaint_id = ComplaintClock.objects.values_list("complaint_id", flat=True).get(pk=clock_id)
    with transaction.atomic():
        # Same lock order as the lifecycle actions (complaint, then its clocks): no deadlock.
        c = (Complaint.objects.select_for_update(of=("self",), skip_locked=True)
             .select_related("department", "complained_department", "owner", "receiver", "policy_version")
             .filter(pk=complaint_id).first())
        if c is None:
            return  # another sweep holds it (or a person's step, this instant): it is theirs, or the next sweep's
        if _closed(c, clock_id, now):
            return
        if not ComplaintClock.objects.filter(DUE_CANDIDATE, pk=clock_id, due_at__lte=now).update(breached_at=now):
            return
        record_rows(ComplaintClock, [clock_id], now=now)
        k = ComplaintClock.objects.get(pk=clock_id)
        policy = policy_of(c.policy_version)
        clock = next((cl for cl in policy.clocks if cl.code == k.code), None)
        person = responsible_person(c, k.responsible_role, assisting=k.assist_department)
        department = responsible_department(c, person, k.responsible_role, assisting=k.assist_department)
        late = int((now - k.due_at).total_seconds())
        append_event(c, actor=None, now=now, kind="clock_breached",
                     changes={"clock": [None, k.code], "due_at": [None, k.due_at.isoformat()],
                              "late_seconds": [None, late]},
                     reason=k.name)
        c.save(update_fields=["event_seq"])
        level = policy.level(c.level)
        amount, why = penalty_for(clock, level)
        if amount > 0:
            PenaltyEntry.objects.create(
                complaint=c, clock=k, kind=PenaltyEntry.Kind.CLOCK_BREACH, staff=person, department=department,
                amount=amount, booked_at=now, reason=f"{k.name}超时（{why}）" if why else f"{k.name}超时",
            )
            result.penalties += 1
        alerts.announce_breach(c, k, person=person, escalate_to=clock.escalate_to if clock else None, now=now)
        result.breached += 1
