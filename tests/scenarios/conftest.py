"""Scenario helpers: a preset in force, a wall clock the scenario moves by hand, and readers for
what a scenario checks (the timeline, the clocks, the penalty ledger)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from kesu.clocks.models import ComplaintClock, PenaltyEntry
from kesu.clocks.sweep import sweep
from kesu.complaints.models import Complaint
from kesu.workflow.sweep import sweep_overdue
from tests.conftest import BEIJING


def at(text: str) -> datetime:
    """A Beijing wall-clock time, as the seeds speak of time."""
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


class Wall:
    """The scenario's clock: it moves only when the scenario says so, and each move runs the
    background sweep the way the task interface would."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def after(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        sweep(now=self.now)
        sweep_overdue(now=self.now)
        return self.now

    def at(self, text: str) -> datetime:
        moment = at(text)
        assert moment >= self.now, "a scenario's clock only moves forward"
        self.now = moment
        sweep(now=self.now)
        sweep_overdue(now=self.now)
        return self.now


def timeline(c: Complaint) -> list[str]:
    return list(c.events.order_by("seq").values_list("kind", flat=True))


def statuses(c: Complaint) -> list[str]:
    return list(c.events.exclude(to_status="").order_by("seq").values_list("to_status", flat=True))


def clock(c: Complaint, code: str) -> ComplaintClock:
    return ComplaintClock.objects.filter(complaint=c, code=code).order_by("-started_at", "-pk").first()


def clocks_met(c: Complaint) -> dict[str, bool | None]:
    return {k.code: k.met for k in ComplaintClock.objects.filter(complaint=c).order_by("started_at", "pk")}


def penalty_total(c: Complaint) -> Decimal:
    return sum((p.amount for p in PenaltyEntry.objects.filter(complaint=c, waived_at__isnull=True)), Decimal(0))


def fresh(c: Complaint) -> Complaint:
    return Complaint.objects.get(pk=c.pk)
