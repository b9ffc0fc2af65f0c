"""Working time on the Chinese calendar (SPEC F6), with the 2026 schedule as chinese-calendar has
it: National Day 10-01…10-07 off, Sunday 09-20 and Saturday 10-10 worked; Mid-Autumn 09-25…09-27
off; Spring Festival 02-15…02-23 off, Saturdays 02-14 and 02-28 worked. Business hours are the
default split shift, 08:30–12:00 and 13:30–18:00, Monday to Friday."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.policy.durations import Duration
from kesu.core.workcalendar import DEFAULT_HOURS, BusinessHours, WorkCalendar, YearTable, seed_year

BJ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar({2026: seed_year(2026)})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BJ)


def due(start: str, target: str, mode: str = "working"):
    return CAL.add(at(start), Duration.parse(target), mode)  # type: ignore[arg-type]


def test_the_2026_schedule_is_seeded_from_chinese_calendar():
    table = seed_year(2026)
    assert {date(2026, 10, d) for d in range(1, 8)} <= table.holidays
    assert {date(2026, 9, 20), date(2026, 10, 10), date(2026, 2, 14), date(2026, 2, 28)} <= table.workdays


def test_calendar_time_ignores_the_calendar():
    assert due("2026-10-01 09:00", "20m", "calendar").due == at("2026-10-01 09:20")


def test_a_one_hour_working_clock_started_at_11_30_skips_the_lunch_break():
    assert due("2026-03-10 11:30", "1h").due == at("2026-03-10 14:00")


def test_a_clock_started_near_closing_carries_over_to_the_next_morning():
    assert due("2026-03-10 17:30", "2h").due == at("2026-03-11 10:00")


def test_friday_evening_hours_resume_on_monday():
    assert due("2026-03-13 17:00", "4h").due == at("2026-03-16 11:30")


def test_three_working_days_inside_hours_is_the_same_moment_three_working_days_later():
    assert due("2026-03-10 10:00", "3d").due == at("2026-03-13 10:00")


def test_working_days_counted_outside_hours_end_at_the_close_of_the_last_day():
    assert due("2026-03-10 19:00", "3d").due == at("2026-03-13 18:00")  # Tue evening → Fri close
    assert due("2026-03-14 11:00", "3d").due == at("2026-03-18 18:00")  # Saturday → Wednesday close


def test_a_complaint_registered_on_a_holiday_starts_counting_the_next_working_morning():
    assert due("2026-10-03 10:00", "1h").due == at("2026-10-08 09:30")


def test_three_working_days_across_national_day_skip_the_holiday_and_count_the_tiaoxiu_saturday():
    # Tue 09-29 10:00 → Wed 09-30 (1), holiday 10-01…10-07, Thu 10-08 (2), Fri 10-09 (3)
    assert due("2026-09-29 10:00", "3d").due == at("2026-10-09 10:00")
    # Fri 10-09 10:00 + 1d → Saturday 10-10 is a 调休 working day
    assert due("2026-10-09 10:00", "1d").due == at("2026-10-10 10:00")


def test_seven_working_days_across_national_day():
    # Mon 09-28 14:00: 09-29, 09-30, 10-08, 10-09, 10-10 (调休), 10-12, 10-13
    assert due("2026-09-28 14:00", "7d").due == at("2026-10-13 14:00")


def test_the_sunday_before_national_day_is_worked():
    assert CAL.is_working_day(date(2026, 9, 20)) is True
    assert due("2026-09-18 17:00", "2h").due == at("2026-09-20 09:30")  # Fri close → Sun 09-20 (调休)


def test_spring_festival_is_skipped():
    # Fri 02-13 10:00 + 2d: Sat 02-14 (调休, 1), holiday 02-15…02-23, Tue 02-24 (2)
    assert due("2026-02-13 10:00", "2d").due == at("2026-02-24 10:00")


def test_p5_return_visit_within_two_working_days():
    # Thu 04-30 16:00; Labour Day 05-01…05-05 off; Wed 05-06 (1), Thu 05-07 (2)
    assert due("2026-04-30 16:00", "2d").due == at("2026-05-07 16:00")


def test_a_deadline_in_a_year_the_table_does_not_cover_is_flagged_not_guessed():
    result = due("2026-12-30 10:00", "3d")
    assert result.covered is False and result.uncovered_years == (2027,)
    assert result.due == at("2027-01-04 10:00")  # provisional: a plain Monday-to-Friday week
    assert due("2026-12-21 10:00", "3d").covered is True


def test_a_pause_moves_a_working_time_due_time_by_exactly_the_working_time_paused():
    # paused Fri 16:00 → Mon 10:00: 2h Friday + 1.5h Monday = 3.5 working hours
    moved = CAL.extend(at("2026-03-17 10:00"), at("2026-03-13 16:00"), at("2026-03-16 10:00"), "working")
    assert moved.due == at("2026-03-17 15:00")  # Tue 10:00 + 3.5 working hours: 2h to noon, 1.5h after lunch
    calendar_moved = CAL.extend(at("2026-03-17 10:00"), at("2026-03-13 16:00"), at("2026-03-16 10:00"), "calendar")
    assert calendar_moved.due == at("2026-03-20 04:00")


def test_a_store_open_at_weekends_counts_saturdays():
    store = WorkCalendar({2026: seed_year(2026)}, BusinessHours.parse(
        {d: ["10:00-22:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}))
    assert store.add(at("2026-03-13 21:00"), Duration.parse("2h"), "working").due == at("2026-03-14 11:00")
    assert not store.is_working_day(date(2026, 10, 1))  # statutory holidays still apply


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        CAL.add(datetime(2026, 3, 10, 10, 0), Duration.parse("1h"), "working")


@pytest.mark.parametrize(("hours", "code", "field"), [
    ({"mon": ["08:30-12:00", "11:00-18:00"]}, "hours_overlap", "business_hours.mon[2]"),
    ({"mon": ["18:00-08:30"]}, "hours_order", "business_hours.mon[1]"),
    ({"mon": ["8.30 to 12"]}, "hours_format", "business_hours.mon[1]"),
    ({"mon": []}, "hours_empty", "business_hours"),
    ({"monday": ["08:30-12:00"]}, "hours_unknown_day", "business_hours.monday"),
])
def test_bad_business_hours_are_refused_naming_the_shift(hours, code, field):
    with pytest.raises(ValidationFailed) as refused:
        BusinessHours.parse(hours)
    assert [(e.code, e.field) for e in refused.value.errors] == [(code, field)]


def test_a_holiday_table_with_a_date_twice_or_in_both_lists_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        YearTable.from_lists(2027, holidays=["2027-01-01", "2027-01-01", "2026-12-31", "2027-02-30"],
                             workdays=["2027-01-01"])
    assert [(e.code, e.field) for e in refused.value.errors] == [
        ("date_twice", "holidays[2]"), ("date_wrong_year", "holidays[3]"), ("date_format", "holidays[4]"),
        ("date_both", "workdays[1]"),
    ]


def test_seeding_a_year_the_package_does_not_know_says_so():
    with pytest.raises(KesuError) as refused:
        seed_year(2099)
    assert refused.value.code == "calendar_unknown_year"


def test_the_default_hours_are_the_split_shift():
    assert DEFAULT_HOURS.to_data()["mon"] == ["08:30-12:00", "13:30-18:00"]


def test_a_count_outside_hours_does_not_look_back_into_an_earlier_uncovered_year():
    result = due("2026-01-01 10:00", "1d")  # New Year's Day; Sunday 01-04 is a 调休 working day
    assert result.due == at("2026-01-04 18:00") and result.covered is True


def test_working_days_landing_on_a_shorter_day_end_at_its_close():
    store = WorkCalendar({2026: seed_year(2026)}, BusinessHours.parse(
        {**{d: ["09:00-21:00"] for d in ("mon", "tue", "wed", "thu", "fri")}, "sat": ["10:00-14:00"]}))
    assert store.add(at("2026-03-13 20:00"), Duration.parse("1d"), "working").due == at("2026-03-14 14:00")
    assert store.add(at("2026-03-13 10:00"), Duration.parse("1d"), "working").due == at("2026-03-14 11:00")


def test_open_hours_and_the_next_shift_skip_lunch_evenings_weekends_and_holidays():
    assert CAL.is_open(at("2026-03-10 09:00")) and not CAL.is_open(at("2026-03-10 12:30"))
    assert not CAL.is_open(at("2026-03-10 18:00")) and not CAL.is_open(at("2026-10-02 10:00"))
    assert CAL.next_opening(at("2026-03-10 12:30")) == at("2026-03-10 13:30")
    assert CAL.next_opening(at("2026-03-13 18:30")) == at("2026-03-16 08:30")  # Friday evening → Monday
    assert CAL.next_opening(at("2026-09-30 19:00")) == at("2026-10-08 08:30")  # National Day
    assert CAL.next_opening(at("2026-10-09 19:00")) == at("2026-10-10 08:30")  # 调休 Saturday is worked
