"""The working calendar as stored: Kesu's own holiday year table and business hours.

The year table is seeded from chinese-calendar (after every migrate, only the years missing) and
then belongs to the administrators, who enter next year's schedule when the State Council
publishes it. Calendars are cached per process for a short time; saving through this module
clears the cache of the saving process at once.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

import chinese_calendar
from django.db import transaction
from django.db.models import Q

from kesu import audit
from kesu.clocks.models import BusinessHours, HolidayYear
from kesu.core.errors import KesuError
from kesu.core.workcalendar import DEFAULT_HOURS, WorkCalendar, YearTable, seed_year
from kesu.core.workcalendar import BusinessHours as Hours
from kesu.org import units
from kesu.org.models import Department

CACHE_SECONDS = 30.0
_cache: dict[tuple[int | None, int | None], tuple[float, WorkCalendar]] = {}


def calendar_for(department_id: int | None, unit_id: int | None = None) -> WorkCalendar:
    """The calendar clocks of a department's complaints run on: the department's own hours, else
    its business unit's (``unit_id``, or the department's; F16: the nearest unit up the tree with
    hours of its own), else the company's."""
    key = (department_id, unit_id)
    hit = _cache.get(key)
    if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    years = _years()
    rows = list(BusinessHours.objects.filter(Q(department__isnull=True) | Q(department_id=department_id)))
    chosen = next((bh for bh in rows if department_id is not None and bh.department_id == department_id), None)
    if chosen is None:
        by_unit = {bh.unit_id: i for i, bh in enumerate(rows) if bh.department_id is None}
        if unit_id is None and department_id is not None and len(by_unit) > 1:  # some unit has hours of its own
            unit_id = Department.objects.filter(pk=department_id).values_list("unit_id", flat=True).first()
        found = units.tree().nearest(unit_id, by_unit) if unit_id is not None else by_unit.get(None)
        chosen = rows[found] if found is not None else None
    hours = (Hours.parse(chosen.weekly, open_on_holidays=chosen.open_on_holidays) if chosen else DEFAULT_HOURS)
    cal = WorkCalendar(years, hours)
    _cache[key] = (time.monotonic(), cal)
    return cal


_years_cache: list[tuple[float, dict[int, YearTable]]] = []


def _years() -> dict[int, YearTable]:
    """The holiday year table, read once for every calendar (F16: a calendar per unit and department)."""
    if _years_cache and time.monotonic() - _years_cache[0][0] < CACHE_SECONDS:
        return _years_cache[0][1]
    years = {
        row.year: YearTable(row.year, frozenset(_dates(row.holidays)), frozenset(_dates(row.workdays)))
        for row in HolidayYear.objects.all()
    }
    _years_cache[:] = [(time.monotonic(), years)]
    return years


def forget_calendars() -> None:
    _cache.clear()
    _years_cache.clear()


def _dates(values: list[str]) -> list[date]:
    return [date.fromisoformat(v) for v in values]


def save_year(*, year: int, holidays: list[object], workdays: list[object], actor: Any, now: datetime,
              source: str = "manual") -> HolidayYear:
    """Enter or correct a year's schedule; the whole table is validated first."""
    table = YearTable.from_lists(year, holidays=holidays, workdays=workdays)
    with transaction.atomic():
        row, _ = HolidayYear.objects.update_or_create(year=year, defaults={
            "holidays": sorted(d.isoformat() for d in table.holidays),
            "workdays": sorted(d.isoformat() for d in table.workdays),
            "source": source, "updated_at": now, "updated_by": actor,
        })
        audit.record("calendar.year_saved", actor=actor, now=now, target=("holiday_year", year),
                     data={"holidays": row.holidays, "workdays": row.workdays, "source": source})
    forget_calendars()
    return row


def save_business_hours(*, department: Any, weekly: dict[str, list[str]], open_on_holidays: bool,
                        now: datetime, actor: Any = None, unit: Any = None) -> BusinessHours:
    """A department's hours, a business unit's (``unit``, the department None), or the company's."""
    hours = Hours.parse(weekly, open_on_holidays=open_on_holidays)
    with transaction.atomic():
        row, _ = BusinessHours.objects.update_or_create(
            department=department, unit=None if department is not None else unit,
            defaults={"weekly": hours.to_data(), "open_on_holidays": open_on_holidays, "updated_at": now})
        audit.record("calendar.hours_saved", actor=actor, now=now,
                     target=("department", getattr(department, "pk", None)) if department is not None or unit is None
                     else ("unit", unit.pk),
                     data={"weekly": row.weekly, "open_on_holidays": open_on_holidays})
    forget_calendars()
    return row


def seed_missing_years(now: datetime) -> list[int]:
    """Copy every year chinese-calendar knows and the table lacks; never overwrite a stored year."""
    have = set(HolidayYear.objects.values_list("year", flat=True))
    known = sorted({d.year for d in chinese_calendar.holidays})
    added = []
    for year in known:
        if year in have:
            continue
        try:
            table = seed_year(year)
        except KesuError:
            continue
        HolidayYear.objects.create(year=year, holidays=sorted(d.isoformat() for d in table.holidays),
                                   workdays=sorted(d.isoformat() for d in table.workdays),
                                   source="chinese-calendar", updated_at=now)
        added.append(year)
    if not BusinessHours.objects.filter(department__isnull=True, unit__isnull=True).exists():
        BusinessHours.objects.create(department=None, weekly=DEFAULT_HOURS.to_data(), updated_at=now)
    forget_calendars()
    return added
