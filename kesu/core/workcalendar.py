"""Working time on the Chinese calendar (SPEC F6): statutory holidays, adjusted working days
(调休) and the organisation's business hours, split shifts included.

Rules, as the clocks use them:

* A **working day** is a day with business hours that is not a statutory holiday, or a 调休
  day (a weekend worked in exchange for a holiday). A 调休 day on which the organisation has no
  weekend hours uses Monday's hours. ``open_on_holidays`` keeps a store's hours on holidays.
* **Working hours** ("4h" on a working-time clock) are counted only inside shifts: a one-hour
  clock started at 11:30 with 08:30–12:00 / 13:30–18:00 shifts ends at 14:00.
* **Working days** ("3d"): inside business hours, the same working moment N working days later
  (Tue 10:00 + 3d → Fri 10:00; a lunch-break start counts from the morning's closing). Outside
  business hours — at night, before opening, on a holiday — the count starts from the close of
  the last working day, so the due time is the close of the Nth working day after it
  (Tue 19:00 + 3d → Fri 18:00; a Saturday complaint + 3d → Wednesday 18:00).
* A day in a year the table does not cover is never silently guessed: it is counted as a plain
  Monday-to-Friday day and the result says ``covered=False`` with the year, so the complaint and
  the administrators are told.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kesu.core.clocks import Deadline, TimeMode
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.policy.durations import Duration

BEIJING = ZoneInfo("Asia/Shanghai")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SHIFT = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
MAX_DAYS = 800  # no clock looks further ahead than this; a calendar with no working day is refused


@dataclass(frozen=True, order=True)
class Shift:
    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class BusinessHours:
    weekly: tuple[tuple[Shift, ...], ...]  # Monday first, seven entries
    open_on_holidays: bool = False

    @classmethod
    def parse(cls, data: Mapping[str, Iterable[str]], *, open_on_holidays: bool = False,
              field_prefix: str = "business_hours") -> BusinessHours:
        """From {"mon": ["08:30-12:00", "13:30-18:00"], …}; every problem is reported by field."""
        errors: list[KesuError] = []
        weekly: list[list[Shift]] = [[] for _ in WEEKDAYS]
        for day, shifts in data.items():
            if day not in WEEKDAYS:
                errors.append(KesuError("hours_unknown_day", field=f"{field_prefix}.{day}", value=day))
                continue
            for i, text in enumerate(shifts, 1):
                at = f"{field_prefix}.{day}[{i}]"
                m = _SHIFT.match(str(text))
                try:
                    shift = Shift(time(int(m[1]), int(m[2])), time(int(m[3]), int(m[4]))) if m else None
                except ValueError:
                    shift = None
                if shift is None:
                    errors.append(KesuError("hours_format", field=at, value=text))
                elif shift.end <= shift.start:
                    errors.append(KesuError("hours_order", field=at, value=text))
                elif weekly[WEEKDAYS.index(day)] and shift.start < weekly[WEEKDAYS.index(day)][-1].end:
                    errors.append(KesuError("hours_overlap", field=at, value=text))
                else:
                    weekly[WEEKDAYS.index(day)].append(shift)
        if not errors and not any(weekly):
            errors.append(KesuError("hours_empty", field=field_prefix))
        if errors:
            raise ValidationFailed(errors)
        return cls(tuple(tuple(day) for day in weekly), open_on_holidays)

    def to_data(self) -> dict[str, list[str]]:
        return {WEEKDAYS[i]: [str(s) for s in shifts] for i, shifts in enumerate(self.weekly) if shifts}


DEFAULT_HOURS = BusinessHours.parse({d: ["08:30-12:00", "13:30-18:00"] for d in WEEKDAYS[:5]})


@dataclass(frozen=True)
class YearTable:
    """One year's statutory holidays and 调休 working days."""

    year: int
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_lists(cls, year: int, *, holidays: Iterable[object], workdays: Iterable[object]) -> YearTable:
        errors: list[KesuError] = []
        parsed: dict[str, list[date]] = {}
        for name, values in (("holidays", holidays), ("workdays", workdays)):
            seen: list[date] = []
            for i, raw in enumerate(values, 1):
                at = f"{name}[{i}]"
                try:
                    d = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
                except ValueError:
                    errors.append(KesuError("date_format", field=at, value=raw))
                    continue
                if d.year != year:
                    errors.append(KesuError("date_wrong_year", field=at, value=d.isoformat(), year=year))
                elif d in seen:
                    errors.append(KesuError("date_twice", field=at, value=d.isoformat()))
                else:
                    seen.append(d)
            parsed[name] = seen
        for d in set(parsed["holidays"]) & set(parsed["workdays"]):
            errors.append(KesuError("date_both", field=f"workdays[{parsed['workdays'].index(d) + 1}]",
                                    value=d.isoformat()))
        if errors:
            raise ValidationFailed(errors)
        return cls(year, frozenset(parsed["holidays"]), frozenset(parsed["workdays"]))


def seed_year(year: int) -> YearTable:
    """The official schedule of ``year`` as the chinese-calendar package knows it."""
    import chinese_calendar

    try:
        chinese_calendar.is_holiday(date(year, 7, 1))
    except NotImplementedError:
        raise KesuError("calendar_unknown_year", field="year", year=year) from None
    holidays = [d for d in chinese_calendar.holidays if d.year == year]
    workdays = [d for d in chinese_calendar.workdays if d.year == year and d.weekday() >= 5]
    return YearTable.from_lists(year, holidays=sorted(holidays), workdays=sorted(workdays))


class WorkCalendar:
    """Clock arithmetic on a year table and business hours. All datetimes are aware; the
    arithmetic happens in Beijing time."""

    def __init__(self, years: Mapping[int, YearTable], hours: BusinessHours = DEFAULT_HOURS,
                 tz: ZoneInfo = BEIJING) -> None:
        self.years = dict(years)
        self.hours = hours
        self.tz = tz

    # --- days ------------------------------------------------------------------------------
    def shifts_on(self, day: date) -> tuple[tuple[Shift, ...], bool]:
        """The day's shifts (empty when it is not a working day) and whether the table covers it."""
        table = self.years.get(day.year)
        weekday = self.hours.weekly[day.weekday()]
        if table is None:  # provisional: a plain Monday-to-Friday week with the usual hours
            plain = weekday if day.weekday() < 5 else ()
            return (plain or (self.hours.weekly[0] if day.weekday() < 5 else ())), False
        if day in table.workdays:
            return (weekday or self.hours.weekly[0]), True
        if day in table.holidays and not self.hours.open_on_holidays:
            return (), True
        return weekday, True

    def is_working_day(self, day: date) -> bool:
        return bool(self.shifts_on(day)[0])

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` falls inside a shift (business hours on a working day)."""
        _aware(at)
        t = at.astimezone(self.tz)
        return any(self._at(t.date(), s.start) <= t < self._at(t.date(), s.end) for s in self.shifts_on(t.date())[0])

    def next_opening(self, at: datetime) -> datetime:
        """The start of the next shift at or after ``at`` (P5: the next working shift takes over)."""
        _aware(at)
        t = at.astimezone(self.tz)
        day = t.date()
        for _ in range(MAX_DAYS):
            for shift in self.shifts_on(day)[0]:
                begin = self._at(day, shift.start)
                if begin >= t:
                    return begin.astimezone(at.tzinfo)
            day += timedelta(days=1)
        raise KesuError("hours_empty", field="business_hours")

    # --- arithmetic ------------------------------------------------------------------------
    def add(self, start: datetime, target: Duration, mode: TimeMode) -> Deadline:
        _aware(start)
        if mode == "calendar":
            return Deadline(start + target.as_calendar_timedelta())
        uncovered: set[int] = set()
        t = start.astimezone(self.tz)
        if target.days:
            t = self._add_days(t, target.days, uncovered)
        rest = timedelta(hours=target.hours, minutes=target.minutes)
        if rest:
            t = self._add_working(t, rest, uncovered)
        return Deadline(t.astimezone(start.tzinfo), not uncovered, tuple(sorted(uncovered)))

    def extend(self, due: datetime, paused_from: datetime, resumed_at: datetime, mode: TimeMode) -> Deadline:
        """Move ``due`` by the time paused — working time on a working-time clock."""
        _aware(due, paused_from, resumed_at)
        if mode == "calendar":
            return Deadline(due + (resumed_at - paused_from))
        uncovered: set[int] = set()
        paused = self._working_between(paused_from.astimezone(self.tz), resumed_at.astimezone(self.tz), uncovered)
        moved = self._add_working(due.astimezone(self.tz), paused, uncovered) if paused else due
        return Deadline(moved.astimezone(due.tzinfo), not uncovered, tuple(sorted(uncovered)))

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        _aware(a, b)
        return self._working_between(a.astimezone(self.tz), b.astimezone(self.tz), set())

    # --- internals -------------------------------------------------------------------------
    def _day(self, day: date, uncovered: set[int]) -> tuple[Shift, ...]:
        shifts, covered = self.shifts_on(day)
        if not covered:
            uncovered.add(day.year)
        return shifts

    def _at(self, day: date, t: time) -> datetime:
        return datetime.combine(day, t, tzinfo=self.tz)

    def _add_working(self, t: datetime, amount: timedelta, uncovered: set[int]) -> datetime:
        remaining = amount
        day = t.date()
        for _ in range(MAX_DAYS):
            for shift in self._day(day, uncovered):
                begin, end = max(self._at(day, shift.start), t), self._at(day, shift.end)
                if end <= begin:
                    continue
                if remaining <= end - begin:
                    return begin + remaining
                remaining -= end - begin
            day += timedelta(days=1)
        raise KesuError("hours_empty", field="business_hours")

    def _working_between(self, a: datetime, b: datetime, uncovered: set[int]) -> timedelta:
        total = timedelta(0)
        day = a.date()
        while day <= b.date():
            for shift in self._day(day, uncovered):
                begin, end = max(self._at(day, shift.start), a), min(self._at(day, shift.end), b)
                if end > begin:
                    total += end - begin
            day += timedelta(days=1)
        return total

    def _add_days(self, t: datetime, n: int, uncovered: set[int]) -> datetime:
        shifts = self._day(t.date(), uncovered)
        inside = bool(shifts) and self._at(t.date(), shifts[0].start) < t < self._at(t.date(), shifts[-1].end)
        if inside:  # the same working moment n working days later
            offset = self._working_between(self._at(t.date(), shifts[0].start), t, uncovered)
            day = self._nth_working_day_after(t.date(), n, uncovered)
            target = self._day(day, uncovered)
            close = self._at(day, target[-1].end)
            if offset >= self._working_between(self._at(day, target[0].start), close, uncovered):
                return close  # a shorter day (a store's Saturday): its close, never the day after
            return self._add_working(self._at(day, target[0].start), offset, uncovered)
        # outside hours: from the close of the last working day to the close of the nth after it.
        # Counting from yesterday gives the same day without looking back into an earlier year.
        after_close = bool(shifts) and t >= self._at(t.date(), shifts[-1].end)
        base = t.date() if after_close else t.date() - timedelta(days=1)
        day = self._nth_working_day_after(base, n, uncovered)
        return self._at(day, self._day(day, uncovered)[-1].end)

    def _nth_working_day_after(self, day: date, n: int, uncovered: set[int]) -> date:
        for _ in range(MAX_DAYS):
            day += timedelta(days=1)
            if self._day(day, uncovered):
                n -= 1
                if n == 0:
                    return day
        raise KesuError("hours_empty", field="business_hours")


def _aware(*values: datetime) -> None:
    for v in values:
        if v.tzinfo is None:
            raise ValueError("naive datetime: clock arithmetic needs time zones")
