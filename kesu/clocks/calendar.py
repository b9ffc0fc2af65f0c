"""The working calendar as stored (holiday year table, business hours), for clock arithmetic."""

from __future__ import annotations

from kesu.core.clocks import Calendar, CalendarTime


def calendar_for(department_id: int | None) -> Calendar:
    return CalendarTime()  # replaced by the stored working calendar
