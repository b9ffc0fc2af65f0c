"""Working-time clocks of P3, P4 and P5 on the 2026 calendar: National Day (10-01…10-07 off,
Sat 10-10 worked), Labour Day (05-01…05-05 off), lunch breaks and evening closing, a complaint
registered on a holiday, and a deadline in 2027, which the calendar does not cover yet."""

from __future__ import annotations

from datetime import datetime

import pytest

from kesu.clocks.models import ComplaintClock
from kesu.complaints import lifecycle
from kesu.core.policy.io import PRESETS_DIR
from kesu.notifications.models import Notification
from kesu.policies.services import import_and_publish
from tests.conftest import BEIJING
from tests.factories import register

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def publish(stem: str, now: datetime):
    return import_and_publish(text=(PRESETS_DIR / f"{stem}.yaml").read_text(encoding="utf-8"), actor=None, now=now)


def due(c, code: str) -> datetime:
    return ComplaintClock.objects.get(complaint=c, code=code).due_at


def test_p3_general_complaint_three_and_five_working_days_across_national_day(people):
    publish("p3_rapid_response", at("2026-09-01 09:00"))
    c = register(people, at("2026-09-29 10:00"), level="general", extra={})
    assert due(c, "response_working") == at("2026-10-09 10:00")  # 09-30, 10-08, 10-09
    assert due(c, "solution_working") == at("2026-10-12 10:00")  # … 10-10 (调休 Saturday), 10-12


def test_p3_urgent_complaint_counts_calendar_hours_even_on_a_holiday(people):
    publish("p3_rapid_response", at("2026-09-01 09:00"))
    c = register(people, at("2026-10-02 22:00"), level="urgent", extra={})
    assert due(c, "response") == at("2026-10-02 23:00")
    assert due(c, "initial_solution") == at("2026-10-03 02:00")


def test_p4_complex_complaint_answered_within_seven_working_days(people):
    publish("p4_public_commitment", at("2026-09-01 09:00"))
    c = register(people, at("2026-09-28 14:00"), level="complex", extra={})
    assert due(c, "answer") == at("2026-10-13 14:00")
    assert due(c, "confirmation") == at("2026-09-29 14:00")  # 24 hours, calendar time


def test_p4_ordinary_complaint_registered_in_the_evening_is_answered_by_the_third_days_close(people):
    publish("p4_public_commitment", at("2026-09-01 09:00"))
    c = register(people, at("2026-03-10 19:30"), level="ordinary", extra={})
    assert due(c, "answer") == at("2026-03-13 18:00")


def test_p5_after_hours_complaint_on_a_holiday_is_handed_over_from_the_next_working_morning(people):
    publish("p5_property_management", at("2026-09-01 09:00"))
    c = register(people, at("2026-10-03 21:15"), level="general", extra={"unit_number": "3-1-502"})
    # 4 working hours from Thu 10-08 08:30: 08:30–12:00, then 13:30–14:00
    assert due(c, "handover") == at("2026-10-08 14:00")


def test_p5_return_visit_within_two_working_days_of_the_result(people):
    publish("p5_property_management", at("2026-04-01 09:00"))
    c = register(people, at("2026-04-29 09:00"), level="general", extra={"unit_number": "3-1-502"})
    c = lifecycle.classify(c, actor=people["wangkf"], now=at("2026-04-29 09:05"), level="general",
                           category="repair", validity="valid")
    c = lifecycle.assign(c, actor=people["wangkf"], now=at("2026-04-29 09:10"), department=c.complained_department)
    c = lifecycle.accept(c, actor=people["lijl"], now=at("2026-04-29 09:20"))
    c = lifecycle.agree_solution(c, actor=people["lijl"], now=at("2026-04-29 10:00"), plan="更换楼道灯")
    c = lifecycle.return_result(c, actor=people["lijl"], now=at("2026-04-30 16:00"), result="已更换")
    assert due(c, "return_visit") == at("2026-05-07 16:00")  # Labour Day 05-01…05-05 skipped


def test_a_deadline_in_an_uncovered_year_is_flagged_on_the_complaint_and_to_administrators(people):
    publish("p3_rapid_response", at("2026-09-01 09:00"))
    c = register(people, at("2026-12-29 10:00"), level="general", extra={})
    clock = ComplaintClock.objects.get(complaint=c, code="solution_working")
    assert (clock.calendar_covered, clock.uncovered_years) == (False, [2027])
    assert c.events.filter(kind="calendar_uncovered").exists()
    assert Notification.objects.filter(kind="calendar_uncovered", recipient=people["admin"]).exists()


def test_entering_next_years_schedule_makes_new_deadlines_covered(people):
    from kesu.clocks.calendar import save_year

    publish("p3_rapid_response", at("2026-09-01 09:00"))
    save_year(year=2027, holidays=["2027-01-01"], workdays=[], actor=people["admin"], now=at("2026-11-20 10:00"))
    c = register(people, at("2026-12-29 10:00"), level="general", extra={})
    clock = ComplaintClock.objects.get(complaint=c, code="solution_working")
    assert clock.calendar_covered is True
    # 12-30, 12-31, (01-01 holiday), 01-04, 01-05, 01-06
    assert clock.due_at == at("2027-01-06 10:00")
