"""How clocks and penalties are counted in a period — one rule, used by the analysis report, the
managers' dashboard, the penalty ledger's month and the discipline list (docs/reports.md).

* **A clock counts once, in the period its outcome became known.** *Met*: it stopped in the
  period before its due time. *Missed*: its due time passed in the period — whether it was then
  still running, stopped later, or was cancelled by a new round or the case's closing — or it
  stopped late in the period before the sweep had recorded the breach (the sweep runs every
  20 seconds, so that lies within seconds of the due time). A clock that stopped on time after a
  change of level moved its due time past a recorded breach counts as missed, not twice.
  Cancelled clocks that never went past their due time are left out. On-time rate = met ÷
  (met + missed), so it never exceeds 100 %.
* **A penalty belongs to the period in which it was incurred**: a breach penalty at its clock's
  due time (the moment the clock went late), a penalty from investigation findings when it was
  booked. ``booked_at`` is when the system wrote the entry: after downtime the sweep catches up
  and books late breaches at once (the demo database's start books two months of breaches on
  one day), but they still belong to the month in which they happened. Waived entries count
  nowhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Coalesce

from kesu.clocks.models import ComplaintClock, PenaltyEntry

MET = Q(met=True, breached_at__isnull=True)
LATE_UNRECORDED = Q(met=False, breached_at__isnull=True)  # stopped late before the sweep came by


def rate(part: int, whole: int) -> float | None:
    """Per cent with one decimal; None for an empty whole (shown as "—", never a division by zero).
    Every rate's part is a subset of its whole by definition: a part above it is a bug, not data."""
    if part > whole or part < 0:
        raise ValueError(f"a rate's part ({part}) cannot exceed its whole ({whole})")
    return round(100 * part / whole, 1) if whole else None


def clock_outcomes(start: datetime, end: datetime, *, department_id: int | None = None,
                   unit_ids: frozenset[int] | None = None) -> list[dict[str, Any]]:
    """Per clock (code, name): met, missed, total, rate and the average time from start to stop of
    the clocks that stopped in the period (minutes). Two indexed queries: the clocks that stopped
    in the period (``clock_stopped``) and the breached ones whose due time lies in it
    (``clock_breached_due``)."""
    stopped = ComplaintClock.objects.filter(stopped_at__gte=start, stopped_at__lt=end, cancelled_at__isnull=True)
    breached = ComplaintClock.objects.filter(breached_at__isnull=False, due_at__gte=start, due_at__lt=end)
    if department_id:
        stopped = stopped.filter(complaint__department_id=department_id)
        breached = breached.filter(complaint__department_id=department_id)
    if unit_ids is not None:  # F16: a unit's clocks and those of the units below it
        stopped = stopped.filter(complaint__unit_id__in=sorted(unit_ids))
        breached = breached.filter(complaint__unit_id__in=sorted(unit_ids))
    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row(code: str, name: str) -> dict[str, Any]:
        return rows.setdefault((code, name), {"code": code, "name": name, "met": 0, "missed": 0,
                                              "average_minutes": None})

    for r in stopped.values("code", "name").annotate(
            n_met=Count("id", filter=MET), n_late=Count("id", filter=LATE_UNRECORDED),
            average=Avg(ExpressionWrapper(F("stopped_at") - F("started_at"), output_field=DurationField()))):
        out = row(r["code"], r["name"])
        out["met"] += r["n_met"]
        out["missed"] += r["n_late"]
        if r["average"] is not None:
            out["average_minutes"] = round(r["average"].total_seconds() / 60, 1)
    for r in breached.values("code", "name").annotate(n=Count("id")):
        row(r["code"], r["name"])["missed"] += r["n"]
    result = []
    for key in sorted(rows):
        out = rows[key]
        out["total"] = out["met"] + out["missed"]
        if out["total"] == 0:
            continue  # only clocks stopped late after a breach counted earlier: nothing decided here
        out["rate"] = rate(out["met"], out["total"])
        result.append(out)
    return result


def on_time_total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """All clocks of ``clock_outcomes`` together."""
    met = sum(r["met"] for r in rows)
    total = sum(r["total"] for r in rows)
    return {"met": met, "missed": total - met, "total": total, "rate": rate(met, total)}


def with_incurred() -> QuerySet[PenaltyEntry]:
    """Penalty entries with ``incurred_at``: a breach's clock due time, else the booking time."""
    return PenaltyEntry.objects.annotate(incurred_at=Coalesce("clock__due_at", "booked_at"))


def penalties_incurred(start: datetime, end: datetime, *, include_waived: bool = False) -> QuerySet[PenaltyEntry]:
    """Penalty entries incurred in [start, end). An entry is never booked before it is incurred,
    so ``booked_at >= start`` (indexed) narrows the rows first."""
    qs = with_incurred().filter(booked_at__gte=start, incurred_at__gte=start, incurred_at__lt=end)
    return qs if include_waived else qs.filter(waived_at__isnull=True)
