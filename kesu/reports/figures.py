"""Analysis report figures (SPEC F11) for a period and, optionally, one department — every figure
an aggregate query in the database, never a Python loop over complaints.

Definitions (docs/reports.md):
* received: complaints registered in the period;
* on time (per clock): clocks that stopped in the period, met / all that stopped, and their
  average time from start to stop (response and resolution times against the policy's clocks);
* resolved: complaints of the period that reached a closing state (satisfied, signed off,
  reviewed, archived) or were answered as not valid;
* satisfaction: return visits in the period, satisfied / all verdicts;
* repeated: customers (by phone) with two or more complaints in the period;
* carried over: complaints registered before the period and still open at its end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from kesu.clocks.models import ComplaintClock, PenaltyEntry
from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.core.errors import KesuError
from kesu.core.lifecycle import OPEN_STATES, State

CLOSED = [State.SATISFIED, State.SIGNED_OFF, State.REVIEWED, State.ARCHIVED, State.INVALID_ANSWERED]


@dataclass(frozen=True)
class Period:
    start: date  # first day, Asia/Shanghai
    end: date  # day after the last

    def bounds(self) -> tuple[datetime, datetime]:
        tz = ZoneInfo(settings.TIME_ZONE)
        return datetime.combine(self.start, time(0), tz), datetime.combine(self.end, time(0), tz)

    def previous(self) -> Period:
        length = self.end - self.start
        return Period(self.start - length, self.start)

    def year_before(self) -> Period:
        return Period(self.start.replace(year=self.start.year - 1), self.end.replace(year=self.end.year - 1))


def month(year: int, number: int) -> Period:
    return Period(date(year, number, 1), date(year + number // 12, number % 12 + 1, 1))


def checked(start: date, end_inclusive: date, today: date) -> Period:
    """A custom range, refused when it ends before it starts or lies in the future."""
    if end_inclusive < start:
        raise KesuError("report_range_backwards", field="end", start=start.isoformat(), end=end_inclusive.isoformat())
    if start > today:
        raise KesuError("report_future", field="start", value=start.isoformat())
    return Period(start, end_inclusive + timedelta(days=1))


@dataclass
class Report:
    period: Period
    department_id: int | None
    received: int = 0
    previous: int = 0
    year_before: int = 0
    by_level: list[tuple[str, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_department: list[tuple[str, int]] = field(default_factory=list)
    by_location: list[tuple[str, int]] = field(default_factory=list)
    on_time: list[dict[str, Any]] = field(default_factory=list)  # per clock: name, met, total, rate
    resolved: int = 0
    visits: int = 0
    satisfied_visits: int = 0
    repeated_customers: int = 0
    carried_over: int = 0
    penalties: list[tuple[str, Decimal]] = field(default_factory=list)
    penalties_by_person: list[tuple[str, Decimal]] = field(default_factory=list)
    compensation: list[tuple[str, Decimal]] = field(default_factory=list)

    @staticmethod
    def rate(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None  # an empty month says so, no division by zero

    @property
    def resolution_rate(self) -> float | None:
        return self.rate(self.resolved, self.received)

    @property
    def satisfaction_rate(self) -> float | None:
        return self.rate(self.satisfied_visits, self.visits)

    @property
    def callback_rate(self) -> float | None:
        return self.rate(self.visits, self.resolved)

    @property
    def empty(self) -> bool:
        return self.received == 0 and self.carried_over == 0


def _counts(qs: QuerySet[Any], key: str) -> list[tuple[str, int]]:
    return [(row[key] or "—", row["n"]) for row in qs.values(key).annotate(n=Count("id")).order_by("-n", key)]


def build(period: Period, *, department_id: int | None = None) -> Report:
    start, end = period.bounds()
    scope = Q(department_id=department_id) if department_id else Q()
    received = Complaint.objects.filter(scope, registered_at__gte=start, registered_at__lt=end)
    r = Report(period, department_id)
    r.received = received.count()
    for attr, p in (("previous", period.previous()), ("year_before", period.year_before())):
        a, b = p.bounds()
        setattr(r, attr, Complaint.objects.filter(scope, registered_at__gte=a, registered_at__lt=b).count())
    r.by_level = _counts(received, "level")
    r.by_category = _counts(received, "category")
    r.by_channel = _counts(received, "channel")
    r.by_department = _counts(received, "department__name")
    r.by_location = _counts(received, "location__name")
    clocks = ComplaintClock.objects.filter(stopped_at__gte=start, stopped_at__lt=end, cancelled_at__isnull=True)
    if department_id:
        clocks = clocks.filter(complaint__department_id=department_id)
    for row in clocks.values("code", "name").annotate(
            total=Count("id"), met=Count("id", filter=Q(met=True)),
            average=Avg(ExpressionWrapper(F("stopped_at") - F("started_at"), output_field=DurationField()))) \
            .order_by("code"):
        average = row.pop("average")
        minutes = round(average.total_seconds() / 60, 1) if average is not None else None
        r.on_time.append({**row, "rate": Report.rate(row["met"], row["total"]), "average_minutes": minutes})
    r.resolved = received.filter(status__in=CLOSED).count()
    visits = ComplaintEvent.objects.filter(at__gte=start, at__lt=end, kind__in=("record_satisfied",
                                                                                 "record_unsatisfied"))
    if department_id:
        visits = visits.filter(complaint__department_id=department_id)
    agg = visits.aggregate(total=Count("id"), ok=Count("id", filter=Q(kind="record_satisfied")))
    r.visits, r.satisfied_visits = agg["total"], agg["ok"]
    # a customer by the phone's keyed blind index (the phone itself is encrypted)
    r.repeated_customers = (received.exclude(phone_index="").values("phone_index").annotate(n=Count("id"))
                            .filter(n__gte=2).count())
    r.carried_over = Complaint.objects.filter(scope, registered_at__lt=start,
                                              status__in=[s.value for s in OPEN_STATES]).count()
    penalties = PenaltyEntry.objects.filter(booked_at__gte=start, booked_at__lt=end, waived_at__isnull=True)
    if department_id:
        penalties = penalties.filter(department_id=department_id)
    r.penalties = [(row["department__name"] or "—", row["total"]) for row in
                   penalties.values("department__name").annotate(total=Sum("amount")).order_by("-total")]
    r.penalties_by_person = [(row["staff__display_name"] or row["staff__username"] or "—", row["total"]) for row in
                             penalties.values("staff__display_name", "staff__username").annotate(total=Sum("amount"))
                             .order_by("-total")]
    from kesu.workflow.models import Approval

    # counted when fully approved, on the day of the last decision (finance's when it reviewed)
    paid = (Approval.objects.filter(kind="compensation", state="approved")
            .annotate(done=Coalesce("finance_at", "decided_at")).filter(done__gte=start, done__lt=end))
    if department_id:
        paid = paid.filter(charge_to_id=department_id)
    r.compensation = [(row["charge_to__name"] or "公司", row["total"]) for row in
                      paid.values("charge_to__name").annotate(total=Sum("amount")).order_by("-total")]
    return r


DIMENSIONS = {"level": "level", "category": "category", "channel": "channel", "department": "department__name",
              "location": "location__name"}


def behind(period: Period, *, department_id: int | None, dimension: str, value: str) -> QuerySet[Complaint]:
    """The complaints behind one figure of the report: every number can be traced."""
    start, end = period.bounds()
    scope = Q(department_id=department_id) if department_id else Q()
    received = Complaint.objects.filter(scope, registered_at__gte=start, registered_at__lt=end)
    if dimension == "received":
        qs = received
    elif dimension == "resolved":
        qs = received.filter(status__in=CLOSED)
    elif dimension == "carried_over":
        qs = Complaint.objects.filter(scope, registered_at__lt=start, status__in=[s.value for s in OPEN_STATES])
    elif dimension == "repeated":  # complaints of customers who complained twice or more in the period
        phones = (received.exclude(phone_index="").values("phone_index").annotate(n=Count("id"))
                  .filter(n__gte=2).values("phone_index"))
        qs = received.filter(phone_index__in=phones)
    elif dimension in DIMENSIONS:
        key = DIMENSIONS[dimension]
        qs = received.filter(**({f"{key}__isnull": True} if value == "—" else {key: value}))
    else:
        raise KesuError("not_one_of", field="dimension", value=dimension,
                        allowed=", ".join(["received", "resolved", "carried_over", "repeated", *DIMENSIONS]))
    return qs.select_related("department").order_by("-id")
