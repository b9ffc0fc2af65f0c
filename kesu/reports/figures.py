"""Analysis report figures (SPEC F11) for a period and, optionally, one department — every figure
an aggregate query in the database, never a Python loop over complaints, computed once here: the
page, the xlsx and the PDF all show ``Report.headline()`` and the same sections (docs/reports.md
gives each definition).

* received: complaints registered in the period; resolved: those of them now closed or answered
  as not valid (解决率 = resolved ÷ received);
* return visits, counted as events in the period: 回访次数 every verdict recorded (a complaint
  visited twice counts twice), 满意率 = satisfied verdicts ÷ all verdicts; 回访率 per complaint:
  complaints whose result was returned to the customer in the period, and of them those with a
  return visit after that return (each complaint once, so a repeated visit never lifts it above
  100 %);
* on time, penalties: kesu.clocks.outcomes (a clock counts once, in the period its outcome became
  known; a penalty in the period it was incurred);
* ratings: the customers' own ratings (portal, 1–5) given in the period, and their average;
* repeated: customers (by phone) with two or more complaints in the period;
* repeat complaints: complaints registered in the period that kesu.intelligence flagged as repeating
  an earlier one within the policy's window (the same customer by blind index, or the same problem) —
  each complaint once, by kind, by category and by department: the flags the complaint's page shows;
* carried over: complaints registered before the period and still open now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext_lazy as _lazy

from kesu.clocks.outcomes import clock_outcomes, on_time_total, penalties_incurred, rate
from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.core.errors import KesuError
from kesu.core.lifecycle import OPEN_STATES, State
from kesu.org import units

CLOSED = [State.SATISFIED, State.SIGNED_OFF, State.REVIEWED, State.ARCHIVED, State.INVALID_ANSWERED]
VISITS = ("record_satisfied", "record_unsatisfied")  # the return visit's verdict (F8)


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


@dataclass(frozen=True)
class Figure:
    """One headline figure, as the page, the xlsx and the PDF show it."""

    key: str
    label: Any  # lazily translated: the reader's language
    value: int | float | Decimal | None
    unit: str = ""  # "%" for a rate, "元" for money, "" for a count
    basis: str = ""  # a rate's part / whole, e.g. "2/3"
    dimension: str = ""  # the drill-down (/reports/complaints/?dimension=…) when it lists complaints

    def text(self) -> str:
        return text(self.value, self.unit)


def text(value: object, unit: str = "") -> str:
    """A figure as text — one formatting for the page, the PDF (and the xlsx's text cells)."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.1f}%"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


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
    on_time: list[dict[str, Any]] = field(default_factory=list)  # per clock: name, met, missed, total, rate
    resolved: int = 0
    visits: int = 0  # return-visit verdicts recorded in the period
    satisfied_visits: int = 0
    results_returned: int = 0  # complaints whose result was returned to the customer in the period
    visited: int = 0  # of those, complaints with a return visit after that return
    ratings: int = 0  # the customers' own ratings (portal, 1–5) given in the period
    average_rating: float | None = None
    repeated_customers: int = 0
    repeats: int = 0  # complaints flagged as repeats (kesu.intelligence), each once
    repeats_same_customer: int = 0
    repeats_same_problem: int = 0
    repeats_by_category: list[tuple[str, int]] = field(default_factory=list)
    repeats_by_department: list[tuple[str, int]] = field(default_factory=list)
    carried_over: int = 0
    # (responsible department, entries, amount) and (person, department, entries, amount); "" = not named
    penalties: list[tuple[str, int, Decimal]] = field(default_factory=list)
    penalties_by_person: list[tuple[str, str, int, Decimal]] = field(default_factory=list)
    compensation: list[tuple[str, Decimal]] = field(default_factory=list)
    # F16: the units the report covers (None: the whole organisation), and per unit in tree order
    # (depth, unit code, its own cases, with the units below it rolled up)
    unit_ids: frozenset[int] | None = None
    by_unit: list[tuple[int, str, int, int]] = field(default_factory=list)

    rate = staticmethod(rate)

    @property
    def resolution_rate(self) -> float | None:
        return rate(self.resolved, self.received)

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied_visits, self.visits)

    @property
    def callback_rate(self) -> float | None:
        return rate(self.visited, self.results_returned)

    @property
    def clocks(self) -> dict[str, Any]:
        return on_time_total(self.on_time)

    @property
    def penalty_count(self) -> int:
        return sum(n for _, n, _a in self.penalties)

    @property
    def penalty_total(self) -> Decimal:
        return sum((amount for _, _n, amount in self.penalties), Decimal("0.00"))

    @property
    def compensation_total(self) -> Decimal:
        return sum((amount for _, amount in self.compensation), Decimal("0.00"))

    @property
    def empty(self) -> bool:
        return self.received == 0 and self.carried_over == 0

    def headline(self) -> list[Figure]:
        """Every headline figure, in order — the one list the page, the xlsx and the PDF show."""
        clocks = self.clocks
        return [
            Figure("received", _lazy("受理量"), self.received, dimension="received"),
            Figure("previous", _lazy("上期受理量"), self.previous),
            Figure("year_before", _lazy("去年同期受理量"), self.year_before),
            Figure("resolved", _lazy("已解决"), self.resolved, dimension="resolved"),
            Figure("resolution_rate", _lazy("解决率"), self.resolution_rate, "%", f"{self.resolved}/{self.received}"),
            Figure("results_returned", _lazy("交回结果的投诉"), self.results_returned),
            Figure("visited", _lazy("其中已回访"), self.visited),
            Figure("callback_rate", _lazy("回访率"), self.callback_rate, "%",
                   f"{self.visited}/{self.results_returned}"),
            Figure("visits", _lazy("回访次数"), self.visits),
            Figure("satisfied_visits", _lazy("其中满意"), self.satisfied_visits),
            Figure("satisfaction_rate", _lazy("满意率"), self.satisfaction_rate, "%",
                   f"{self.satisfied_visits}/{self.visits}"),
            Figure("ratings", _lazy("客户评价"), self.ratings),
            Figure("average_rating", _lazy("平均评分（1–5 分）"), self.average_rating),
            Figure("repeated_customers", _lazy("重复投诉客户"), self.repeated_customers, dimension="repeated"),
            Figure("repeats", _lazy("重复投诉"), self.repeats, dimension="repeats"),
            Figure("repeats_same_customer", _lazy("其中同一客户"), self.repeats_same_customer,
                   dimension="repeats_customer"),
            Figure("repeats_same_problem", _lazy("其中同一问题"), self.repeats_same_problem,
                   dimension="repeats_problem"),
            Figure("carried_over", _lazy("上期结转未结"), self.carried_over, dimension="carried_over"),
            Figure("clocks_met", _lazy("时限按时"), clocks["met"]),
            Figure("clocks_missed", _lazy("时限超时"), clocks["missed"]),
            Figure("on_time_rate", _lazy("时限按时率"), clocks["rate"], "%", f"{clocks['met']}/{clocks['total']}"),
            Figure("penalty_count", _lazy("扣罚笔数"), self.penalty_count),
            Figure("penalty_total", _lazy("扣罚金额（元）"), self.penalty_total, "元"),
            Figure("compensation_total", _lazy("补偿金额（元）"), self.compensation_total, "元"),
        ]


def _counts(qs: QuerySet[Any], key: str) -> list[tuple[str, int]]:
    return [(row[key] or "—", row["n"]) for row in qs.values(key).annotate(n=Count("id")).order_by("-n", key)]


def _scope(department_id: int | None, unit_ids: frozenset[int] | None, prefix: str = "") -> Q:
    """The cases a report is about: a department's, a unit's and the units' below it (F16), or all."""
    q = Q(**{f"{prefix}department_id": department_id}) if department_id else Q()
    if unit_ids is not None:
        q &= Q(**{f"{prefix}unit_id__in": sorted(unit_ids)})
    return q


def _by_unit(received: QuerySet[Any], unit_ids: frozenset[int] | None) -> list[tuple[int, str, int, int]]:
    """F16: each unit's cases and, rolled up from the stores to the group, those of the units below."""
    tree = units.tree()
    if not tree:
        return []
    own: dict[int | None, int] = dict(received.values_list("unit").annotate(n=Count("id")).values_list("unit", "n"))
    rolled = tree.rolled_up(own)
    rows = [(depth, node.code, own.get(node.id, 0), rolled[node.id]) for depth, node in tree.walk()
            if unit_ids is None or node.id in unit_ids]
    if unit_ids is None and own.get(None):
        rows.insert(0, (0, "—", own[None], own[None]))
    return rows


def build(period: Period, *, department_id: int | None = None, unit_ids: frozenset[int] | None = None) -> Report:
    start, end = period.bounds()
    scope = _scope(department_id, unit_ids)
    received = Complaint.objects.filter(scope, registered_at__gte=start, registered_at__lt=end)
    r = Report(period, department_id, unit_ids=unit_ids)
    r.received = received.count()
    for attr, p in (("previous", period.previous()), ("year_before", period.year_before())):
        a, b = p.bounds()
        setattr(r, attr, Complaint.objects.filter(scope, registered_at__gte=a, registered_at__lt=b).count())
    r.by_level = _counts(received, "level")
    r.by_category = _counts(received, "category")
    r.by_channel = _counts(received, "channel")
    r.by_department = _counts(received, "department__name")
    r.by_location = _counts(received, "location__name")
    r.by_unit = _by_unit(received, unit_ids)
    r.on_time = clock_outcomes(start, end, department_id=department_id, unit_ids=unit_ids)
    r.resolved = received.filter(status__in=CLOSED).count()
    events = ComplaintEvent.objects.filter(at__gte=start, at__lt=end)
    if department_id or unit_ids is not None:
        events = events.filter(_scope(department_id, unit_ids, "complaint__"))
    agg = events.filter(kind__in=VISITS).aggregate(total=Count("id"), ok=Count("id", filter=Q(kind="record_satisfied")))
    r.visits, r.satisfied_visits = agg["total"], agg["ok"]
    returns = events.filter(kind="return_result")
    visited_after = returns.filter(Exists(ComplaintEvent.objects.filter(
        complaint_id=OuterRef("complaint_id"), kind__in=VISITS, at__gte=OuterRef("at"))))
    r.results_returned = returns.values("complaint_id").distinct().count()
    r.visited = visited_after.values("complaint_id").distinct().count()
    rated = (events.filter(kind="customer_rating")
             .annotate(score=Cast(KT("changes__score__1"), IntegerField()))
             .aggregate(n=Count("id"), average=Avg("score")))
    r.ratings = rated["n"]
    r.average_rating = round(rated["average"], 1) if rated["average"] is not None else None
    # a customer by the phone's keyed blind index (the phone itself is encrypted)
    r.repeated_customers = (received.filter(phone_index__isnull=False).values("phone_index").annotate(n=Count("id"))
                            .filter(n__gte=2).count())
    flagged = repeats(received)
    r.repeats = flagged.count()
    r.repeats_same_customer = repeats(received, "customer").count()
    r.repeats_same_problem = repeats(received, "problem").count()
    r.repeats_by_category = _counts(flagged, "category")
    r.repeats_by_department = _counts(flagged, "department__name")
    r.carried_over = Complaint.objects.filter(scope, registered_at__lt=start,
                                              status__in=[s.value for s in OPEN_STATES]).count()
    penalties = penalties_incurred(start, end)
    if department_id:
        penalties = penalties.filter(department_id=department_id)
    if unit_ids is not None:
        penalties = penalties.filter(complaint__unit_id__in=sorted(unit_ids))
    r.penalties = [(row["department__name"] or "", row["n"], row["total"]) for row in
                   penalties.values("department__name").annotate(n=Count("id"), total=Sum("amount"))
                   .order_by("-total", "department__name")]
    r.penalties_by_person = [
        (row["staff__display_name"] or row["staff__username"] or "", row["department__name"] or "", row["n"],
         row["total"]) for row in
        penalties.values("staff__display_name", "staff__username", "department__name")
        .annotate(n=Count("id"), total=Sum("amount")).order_by("-total", "staff__username")]
    from kesu.workflow.models import Approval

    # counted when fully approved, on the day of the last decision (finance's when it reviewed)
    paid = (Approval.objects.filter(kind="compensation", state="approved")
            .annotate(done=Coalesce("finance_at", "decided_at")).filter(done__gte=start, done__lt=end))
    if department_id:
        paid = paid.filter(charge_to_id=department_id)
    if unit_ids is not None:
        paid = paid.filter(complaint__unit_id__in=sorted(unit_ids))
    r.compensation = [(row["charge_to__name"] or "", row["total"]) for row in
                      paid.values("charge_to__name").annotate(total=Sum("amount")).order_by("-total")]
    return r


def repeats(complaints: QuerySet[Complaint], kind: str = "") -> QuerySet[Complaint]:
    """Those of ``complaints`` that kesu.intelligence flagged as repeating an earlier complaint
    (``kind``: customer or problem; either when empty), each once."""
    from kesu.intelligence.models import Repeat

    flags = Repeat.objects.filter(complaint_id=OuterRef("pk"))
    return complaints.filter(Exists(flags.filter(kind=kind) if kind else flags))


REPEAT_DIMENSIONS = {"repeats": "", "repeats_customer": "customer", "repeats_problem": "problem",
                     "repeats_category": "", "repeats_department": ""}

DIMENSIONS = {"level": "level", "category": "category", "channel": "channel", "department": "department__name",
              "location": "location__name"}


def behind(period: Period, *, department_id: int | None, dimension: str, value: str,
           unit_ids: frozenset[int] | None = None) -> QuerySet[Complaint]:
    """The complaints behind one figure of the report: every number can be traced."""
    start, end = period.bounds()
    scope = _scope(department_id, unit_ids)
    received = Complaint.objects.filter(scope, registered_at__gte=start, registered_at__lt=end)
    if dimension == "received":
        qs = received
    elif dimension == "resolved":
        qs = received.filter(status__in=CLOSED)
    elif dimension == "carried_over":
        qs = Complaint.objects.filter(scope, registered_at__lt=start, status__in=[s.value for s in OPEN_STATES])
    elif dimension == "repeated":  # complaints of customers who complained twice or more in the period
        phones = (received.filter(phone_index__isnull=False).values("phone_index").annotate(n=Count("id"))
                  .filter(n__gte=2).values("phone_index"))
        qs = received.filter(phone_index__in=phones)
    elif dimension in REPEAT_DIMENSIONS:  # the complaints flagged as repeats, as counted
        qs = repeats(received, REPEAT_DIMENSIONS[dimension])
        if dimension in ("repeats_category", "repeats_department"):
            key = DIMENSIONS[dimension.removeprefix("repeats_")]
            qs = qs.filter(**({f"{key}__isnull": True} if value == "—" else {key: value}))
    elif dimension in DIMENSIONS:
        key = DIMENSIONS[dimension]
        qs = received.filter(**({f"{key}__isnull": True} if value == "—" else {key: value}))
    else:
        raise KesuError("not_one_of", field="dimension", value=dimension,
                        allowed=", ".join(["received", "resolved", "carried_over", "repeated", *REPEAT_DIMENSIONS,
                                           *DIMENSIONS]))
    return qs.select_related("department").order_by("-id")
