"""Clock instances of complaints: started, stopped and re-timed by lifecycle events (called by
kesu.complaints.lifecycle inside its transaction), paused and extended by approved requests.

The rules themselves are in kesu.core.clocks; this module stores their outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from django.db.models import Max

from kesu.audit.services import record_rows
from kesu.clocks.calendar import calendar_for
from kesu.clocks.models import ComplaintClock
from kesu.complaints.models import Complaint
from kesu.complaints.timeline import append_event
from kesu.core import clocks as rules
from kesu.core.policy import Policy
from kesu.db.sql import Insert


def running(c: Complaint) -> dict[str, ComplaintClock]:
    """The complaint's running clocks by code — but a help request's, which run one per department
    asked (:func:`_assist_clocks`)."""
    return {k.code: k for k in c.clocks.filter(stopped_at__isnull=True, cancelled_at__isnull=True,
                                               assist_department__isnull=True)}


ASSIST_START = "request_assist"


def _assist_codes(policy: Policy) -> frozenset[str]:
    """Issue 18: the clocks on a help request's answer (start: request_assist): one runs for each
    department asked, several at a time, each on its department's calendar."""
    return frozenset(k.code for k in policy.clocks if k.start == ASSIST_START)


def _without_assist_starts(plan: rules.Plan, codes: frozenset[str]) -> rules.Plan:
    if not codes or not any(s.clock.code in codes for s in plan.starts):
        return plan
    return replace(plan, starts=tuple(s for s in plan.starts if s.clock.code not in codes))


def _assist_clocks(c: Complaint, policy: Policy, codes: frozenset[str], *, event: str, at: datetime) -> None:
    """One clock per department asked for help: a department newly asked gets its clock (on its own
    calendar); a department whose requests are all answered has its clock stopped, met or late; a
    closed case cancels them."""
    live = list(c.clocks.filter(code__in=sorted(codes), stopped_at__isnull=True, cancelled_at__isnull=True,
                                assist_department__isnull=False))
    if rules.runs_no_clocks(c.status):
        if live:
            ComplaintClock.objects.filter(pk__in=[k.pk for k in live]).update(cancelled_at=at)
            record_rows(ComplaintClock, [k.pk for k in live], now=at)
        return
    asked = set(c.assists.filter(answered_at__isnull=True).values_list("department_id", flat=True))
    if event == "assist_answered":
        for k in live:
            if k.assist_department_id not in asked:
                k.stopped_at, k.met = at, at <= k.due_at
                k.late_seconds = None if k.met else int((at - k.due_at).total_seconds())
                k.save(update_fields=["stopped_at", "met", "late_seconds"])
    elif event == ASSIST_START:
        timed = {(k.code, k.assist_department_id) for k in live}
        for department_id in sorted(asked):
            plan = rules.on_event(policy, event=event, at=at, level=c.level, channel=c.channel, category=c.category,
                                  running={}, calendar=calendar_for(department_id, c.unit_id))
            for start in plan.starts:
                if start.clock.code in codes and (start.clock.code, department_id) not in timed:
                    k = _new_clock(c, start)
                    k.assist_department_id = department_id
                    k.save(force_insert=True)
                    _flag_uncovered(c, k, at)


def as_running(k: ComplaintClock) -> rules.RunningClock:
    pauses = tuple((datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in k.pauses)
    return rules.RunningClock(k.code, k.started_at, k.due_at, pauses)


def on_event(c: Complaint, policy: Policy, *, event: str, at: datetime) -> None:
    """Start, stop and cancel the clocks ``event`` concerns (the complaint's row is locked by the
    caller, and ``c.status`` already the state the event leads to): a new handling round cancels
    the last round's clocks, a closed case cancels them all (kesu.core.clocks)."""
    if not policy.clocks:
        return
    live = running(c)
    plan = rules.on_event(policy, event=event, at=at, level=c.level, channel=c.channel, category=c.category,
                          running={code: as_running(k) for code, k in live.items()},
                          calendar=calendar_for(c.department_id, c.unit_id), closed=rules.runs_no_clocks(c.status))
    codes = _assist_codes(policy)
    _apply(c, policy, _without_assist_starts(plan, codes), live, at)
    if codes and (event in (ASSIST_START, "assist_answered") or rules.runs_no_clocks(c.status)):
        _assist_clocks(c, policy, codes, event=event, at=at)


def too_early(c: Complaint, policy: Policy, *, event: str, at: datetime) -> list[dict[str, str]]:
    """Issue 18 "not before": the running clocks ``event`` would stop but may not yet (P1: the
    progress call 40 minutes after registration) — each with the time from which it counts. No
    query unless the policy has such a clock stopped by this event."""
    codes = [k.code for k in policy.clocks if k.not_before is not None and event in k.stop]
    if not codes:
        return []
    out = []
    for k in c.clocks.filter(code__in=codes, stopped_at__isnull=True, cancelled_at__isnull=True):
        clock = next(cl for cl in policy.clocks if cl.code == k.code)
        first = rules.earliest(clock, k.started_at)
        if first is not None and at < first:
            out.append({"clock": k.code, "earliest": first.isoformat()})
    return out


def plan_registration(policy: Policy, *, level: str, channel: str, at: datetime, category: str = "",
                      unit_id: int | None = None) -> rules.Plan:
    """The clocks registration starts, worked out before the registering transaction (a new
    complaint has no running clocks and no department yet: its business unit's calendar, else the
    company's)."""
    if not policy.clocks:
        return rules.Plan(starts=(), stops=())
    return rules.on_event(policy, event="registered", at=at, level=level, channel=channel, category=category,
                          running={}, calendar=calendar_for(None, unit_id))


INSERT_CLOCKS = Insert(ComplaintClock)


def store_plan(c: Complaint, policy: Policy, plan: rules.Plan, *, at: datetime) -> Sequence[ComplaintClock]:
    """Store a plan worked out by ``plan_registration`` for the complaint just inserted; the clocks
    made (one INSERT, no signal: the registration's event entry carries their digests)."""
    assert not (plan.stops or plan.retimes or plan.cancels), "a new complaint has no running clocks"
    made = INSERT_CLOCKS([_new_clock(c, start) for start in plan.starts])
    for k in made:
        _flag_uncovered(c, k, at)
    return made


def on_level_change(c: Complaint, policy: Policy, *, at: datetime) -> None:
    """Re-time running clocks for the new level or category, start those that now apply, cancel
    the rest."""
    if not policy.clocks or rules.runs_no_clocks(c.status):
        return  # no clock runs on a closed case
    live = running(c)
    occurred = dict(c.events.values_list("kind").annotate(last=Max("at")).values_list("kind", "last"))
    occurred.setdefault("registered", c.registered_at)
    finished = frozenset(
        k.code for k in c.clocks.filter(stopped_at__isnull=False)
        if any(cl.code == k.code and occurred.get(cl.start) == k.started_at for cl in policy.clocks)
    )
    round_started = max((at_ for kind, at_ in occurred.items() if kind in rules.ROUND_STARTS), default=None)
    plan = rules.on_level_change(policy, new_level=c.level, channel=c.channel, occurred=occurred,
                                 running={code: as_running(k) for code, k in live.items()}, finished=finished,
                                 calendar=calendar_for(c.department_id, c.unit_id), round_started=round_started,
                                 category=c.category)
    _apply(c, policy, _without_assist_starts(plan, _assist_codes(policy)), live, at)


def _apply(c: Complaint, policy: Policy, plan: rules.Plan, live: dict[str, ComplaintClock], at: datetime) -> None:
    for stop in plan.stops:
        k = live[stop.code]
        k.stopped_at, k.met = at, stop.met
        k.late_seconds = int(stop.late_by.total_seconds()) if not stop.met else None
        k.save(update_fields=["stopped_at", "met", "late_seconds"])
    for cancel in plan.cancels:
        ComplaintClock.objects.filter(pk=live[cancel.code].pk).update(cancelled_at=at)
    if plan.cancels:  # an UPDATE sends no signal: the rows' new digests (saves have theirs)
        record_rows(ComplaintClock, [live[cancel.code].pk for cancel in plan.cancels], now=at)
    for retime in plan.retimes:
        k = live[retime.code]
        k.target, k.due_at, k.warn_at = str(retime.target), retime.deadline.due, retime.warn_at
        k.calendar_covered = retime.deadline.covered
        k.uncovered_years = list(retime.deadline.uncovered_years)
        if k.warned_at and retime.warn_at and retime.warn_at > at:
            k.warned_at = None  # a later due time deserves a fresh warning
        k.save(update_fields=["target", "due_at", "warn_at", "warned_at", "calendar_covered", "uncovered_years"])
        _flag_uncovered(c, k, at)
    for start in plan.starts:
        k = _new_clock(c, start)
        k.save(force_insert=True)
        _flag_uncovered(c, k, at)


def _new_clock(c: Complaint, start: rules.Start) -> ComplaintClock:
    return INSERT_CLOCKS.new(
        complaint=c, code=start.clock.code, name=start.clock.name, mode=start.clock.time,
        target=str(start.target), responsible_role=start.clock.responsible, started_at=start.started_at,
        due_at=start.deadline.due, warn_at=start.warn_at, calendar_covered=start.deadline.covered,
        uncovered_years=list(start.deadline.uncovered_years),
    )


def _flag_uncovered(c: Complaint, k: ComplaintClock, at: datetime) -> None:
    """A working-time deadline in a year the calendar lacks is shown, never silently guessed.

    The event's number is stored at once: registration calls this after the complaint's row is
    inserted and saves it no more, and the next step numbers its event from the stored count."""
    if k.calendar_covered:
        return
    from kesu.clocks.alerts import alert_uncovered_calendar

    append_event(c, actor=None, now=at, kind="calendar_uncovered",
                 changes={"clock": [None, k.code], "years": [None, k.uncovered_years]})
    Complaint.objects.filter(pk=c.pk).update(event_seq=c.event_seq)
    alert_uncovered_calendar(c, k, now=at)


def pause(c: Complaint, k: ComplaintClock, *, at: datetime) -> None:
    if k.paused_at is None and k.is_running:
        k.paused_at = at
        k.save(update_fields=["paused_at"])


def resume(c: Complaint, k: ComplaintClock, *, at: datetime) -> timedelta:
    """End a pause: the due time moves by exactly the (working) time paused. Returns the shift."""
    if k.paused_at is None:
        return timedelta(0)
    deadline = calendar_for(c.department_id, c.unit_id).extend(k.due_at, k.paused_at, at, k.mode)  # type: ignore[arg-type]
    shift = deadline.due - k.due_at
    k.pauses = [*k.pauses, [k.paused_at.isoformat(), at.isoformat()]]
    k.due_at, k.paused_at = deadline.due, None
    if k.warn_at is not None:
        k.warn_at += shift
    k.calendar_covered = k.calendar_covered and deadline.covered
    k.save(update_fields=["pauses", "due_at", "paused_at", "warn_at", "calendar_covered"])
    return shift


def extend(c: Complaint, k: ComplaintClock, *, by: rules.Duration, at: datetime) -> None:
    """An approved extension moves the due time by ``by`` (working time on working-time clocks)."""
    deadline = calendar_for(c.department_id, c.unit_id).add(k.due_at, by, k.mode)  # type: ignore[arg-type]
    shift = deadline.due - k.due_at
    k.due_at = deadline.due
    if k.warn_at is not None:
        k.warn_at += shift
        if k.warned_at is not None and k.warn_at > at:
            k.warned_at = None
    k.calendar_covered = k.calendar_covered and deadline.covered
    k.save(update_fields=["due_at", "warn_at", "warned_at", "calendar_covered"])
