"""Which clocks a lifecycle event starts, stops or re-times (SPEC F6) — pure functions of the
policy, the calendar, the complaint's events and ``now``.

The rule for clocks, in one place:

* A clock **starts** when its start event happens and it is not already running; it counts from
  the moment of that event. A clock whose target depends on the level starts only once the
  level is known — then it counts from its start event's time, not from the classification.
* It **stops** at the first of its stop events: *met* if that is before its due time, otherwise
  *late* (the breach itself is recorded by the sweep the moment the due time passes).
* A **change of level** re-times every running clock from its own start with the new level's
  target (pauses already taken are kept), starts clocks that now apply and whose start event
  already happened, and cancels running clocks that no longer apply at the new level.
* A **pause** (approved extension, waiting for the customer's next visit) stops the count; on
  resume the due time moves by exactly the time paused — working time for working-time clocks.
* A **new handling round** (``ROUND_STARTS``: the customer not satisfied, a reopening, an upheld
  objection) first stops the clocks that event stops, then cancels every other running clock of
  the round that ended — a clock whose start event is a step of handling, i.e. anything but the
  once-only ``ONCE_EVENTS`` (registration, classification). The new round starts them again from
  their start events; a start event of an earlier round no longer counts for them.
* **No clock runs on a closed case** (``CLOCKLESS_STATES``: signed off, reviewed, archived,
  answered as not valid, merged into another case): reaching such a state stops what its event
  stops and cancels the rest, and nothing starts there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from kesu.core.lifecycle import CLOSED_STATES, State
from kesu.core.policy.durations import Duration
from kesu.core.policy.model import Clock, Policy

TimeMode = Literal["calendar", "working"]

# The events that begin a new round of handling (kesu.complaints.lifecycle.ROUND_STARTERS).
ROUND_STARTS: frozenset[str] = frozenset({"record_unsatisfied", "reopen", "uphold_objection"})
# Events that happen once per complaint, before any round: a clock they start times the complaint
# as a whole and outlives a new round; every other clock times a step of one round.
ONCE_EVENTS: frozenset[str] = frozenset({"registered", "classify"})
# States in which no clock runs.
CLOCKLESS_STATES: frozenset[str] = frozenset({*CLOSED_STATES, State.INVALID_ANSWERED, State.MERGED})


def runs_no_clocks(status: str) -> bool:
    """A complaint in this state has no running clock: it is closed, or answered as not valid."""
    return status in CLOCKLESS_STATES


def times_a_round(clock: Clock) -> bool:
    """The clock times a step of a handling round (cancelled and started afresh by a new round)."""
    return clock.start not in ONCE_EVENTS


@dataclass(frozen=True)
class Deadline:
    due: datetime
    covered: bool = True  # False: the calendar lacks a year the count passed through
    uncovered_years: tuple[int, ...] = ()


class Calendar(Protocol):
    """What the clock rules need from the working calendar (kesu.core.workcalendar)."""

    def add(self, start: datetime, target: Duration, mode: TimeMode) -> Deadline: ...

    def extend(self, due: datetime, paused_from: datetime, resumed_at: datetime, mode: TimeMode) -> Deadline: ...


@dataclass(frozen=True)
class RunningClock:
    """A clock instance as stored: enough to decide what an event does to it."""

    code: str
    started_at: datetime
    due_at: datetime
    pauses: tuple[tuple[datetime, datetime], ...] = ()  # finished pauses, already credited to due_at


@dataclass(frozen=True)
class Start:
    clock: Clock
    target: Duration
    started_at: datetime
    deadline: Deadline
    warn_at: datetime | None


@dataclass(frozen=True)
class Stop:
    code: str
    met: bool
    late_by: timedelta


@dataclass(frozen=True)
class Retime:
    code: str
    target: Duration
    deadline: Deadline
    warn_at: datetime | None


@dataclass(frozen=True)
class Cancel:
    code: str


@dataclass(frozen=True)
class Early:
    """A stop event before the clock's ``not_before``: recorded, not counted; the clock runs on."""

    code: str
    earliest: datetime


@dataclass(frozen=True)
class Plan:
    starts: tuple[Start, ...] = ()
    stops: tuple[Stop, ...] = ()
    retimes: tuple[Retime, ...] = ()
    cancels: tuple[Cancel, ...] = ()
    early: tuple[Early, ...] = ()


def earliest(clock: Clock, started_at: datetime) -> datetime | None:
    """When a "not before" clock's stop event first counts (calendar time from its start)."""
    if clock.not_before is None:
        return None
    return started_at + clock.not_before.as_calendar_timedelta()


def _warn_at(clock: Clock, deadline: Deadline) -> datetime | None:
    if clock.warn_before is None:
        return None
    return deadline.due - clock.warn_before.as_calendar_timedelta()


def _start(clock: Clock, target: Duration, at: datetime, calendar: Calendar) -> Start:
    deadline = calendar.add(at, target, clock.time)
    return Start(clock, target, at, deadline, _warn_at(clock, deadline))


def on_event(
    policy: Policy, *, event: str, at: datetime, level: str, channel: str,
    running: Mapping[str, RunningClock], calendar: Calendar, closed: bool = False, category: str = "",
) -> Plan:
    """What ``event`` at ``at`` does to the complaint's clocks; ``closed``: the event leaves the
    complaint in a state where no clock runs (``runs_no_clocks``). A stop event before a "not
    before" clock's earliest time leaves it running and is reported in ``early``."""
    applicable = dict((c.code, (c, t)) for c, t in policy.clocks_for(level, channel, category))
    stops, cancels, early = [], [], []
    ended = set()  # no longer running after this event: stopped or cancelled
    for code, rc in running.items():
        clock = next((c for c in policy.clocks if c.code == code), None)
        first = earliest(clock, rc.started_at) if clock is not None else None
        if clock is not None and event in clock.stop and not closed and first is not None and at < first:
            early.append(Early(code, first))
        elif clock is not None and event in clock.stop:
            stops.append(Stop(code, met=at <= rc.due_at, late_by=max(at - rc.due_at, timedelta(0))))
            ended.add(code)
        elif closed or (event in ROUND_STARTS and clock is not None and times_a_round(clock)):
            cancels.append(Cancel(code))
            ended.add(code)
    if closed:
        return Plan(stops=tuple(stops), cancels=tuple(cancels))
    starts = [
        _start(clock, target, at, calendar)
        for code, (clock, target) in applicable.items()
        if clock.start == event and (code not in running or code in ended)
    ]
    return Plan(starts=tuple(starts), stops=tuple(stops), cancels=tuple(cancels), early=tuple(early))


def on_level_change(
    policy: Policy, *, new_level: str, channel: str, occurred: Mapping[str, datetime],
    running: Mapping[str, RunningClock], finished: frozenset[str], calendar: Calendar,
    round_started: datetime | None = None, category: str = "",
) -> Plan:
    """Re-time, start and cancel clocks when the level — or the category, which may name its own
    clocks and targets — is set or changed (see the module rule).

    ``occurred`` maps each event to when it last happened; ``finished`` holds the codes of
    clocks that already ran to their stop since their start event last happened;
    ``round_started`` is when the current handling round began (None: still the first), before
    which a round clock's start event belongs to a round that is over.
    """
    applicable = dict((c.code, (c, t)) for c, t in policy.clocks_for(new_level, channel, category))
    retimes, cancels, starts = [], [], []
    for code, rc in running.items():
        if code not in applicable:
            cancels.append(Cancel(code))
            continue
        clock, target = applicable[code]
        deadline = calendar.add(rc.started_at, target, clock.time)
        for paused_from, resumed_at in rc.pauses:
            deadline = _merge(deadline, calendar.extend(deadline.due, paused_from, resumed_at, clock.time))
        retimes.append(Retime(code, target, deadline, _warn_at(clock, deadline)))
    for code, (clock, target) in applicable.items():
        if code in running or code in finished or clock.start not in occurred:
            continue
        if round_started is not None and times_a_round(clock) and occurred[clock.start] < round_started:
            continue  # its start event was a step of an earlier round
        stopped_after_start = any(
            stop in occurred and occurred[stop] >= occurred[clock.start] for stop in clock.stop
        )
        if not stopped_after_start:
            starts.append(_start(clock, target, occurred[clock.start], calendar))
    return Plan(starts=tuple(starts), retimes=tuple(retimes), cancels=tuple(cancels))


def _merge(before: Deadline, after: Deadline) -> Deadline:
    years = tuple(sorted(set(before.uncovered_years) | set(after.uncovered_years)))
    return Deadline(after.due, before.covered and after.covered, years)


def contact_limit_exceeded(policy: Policy, level: str, contacts: int) -> bool:
    """对应次数: more contacts than the level allows (None = case by case, never exceeded)."""
    lv = policy.level(level)
    return lv is not None and lv.contact_attempts is not None and contacts > lv.contact_attempts


class CalendarTime:
    """Calendar-time arithmetic only — for policies with no working-time clock and for tests."""

    def add(self, start: datetime, target: Duration, mode: TimeMode) -> Deadline:
        if mode != "calendar":
            raise ValueError("CalendarTime cannot count working time")
        return Deadline(start + target.as_calendar_timedelta())

    def extend(self, due: datetime, paused_from: datetime, resumed_at: datetime, mode: TimeMode) -> Deadline:
        return Deadline(due + (resumed_at - paused_from))
