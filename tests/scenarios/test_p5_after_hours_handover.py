"""P5 (property management, 首问负责): a resident calls at 21:00, after business hours; the first
receiver registers it at once and it is handed over the next working morning within the
handover time; after the repair, the return visit is made within 2 working days — across a
weekend."""

from __future__ import annotations

import pytest

from kesu.complaints import lifecycle
from kesu.core.lifecycle import State
from tests.factories import register
from tests.scenarios.conftest import Wall, at, clock, clocks_met, penalty_total

pytestmark = pytest.mark.django_db


def test_p5_after_hours_complaint_handed_over_next_morning_and_revisited_in_two_working_days(publish, people):
    wall = Wall(at("2026-03-10 21:00"))  # a Tuesday evening
    publish("p5_property_management", at("2026-03-01 09:00"))
    agent = people["wangkf"]

    c = register(people, wall.now, extra={"unit_number": "3-2-501"}, customer_words="楼上漏水，天花板在滴水")
    c = lifecycle.classify(c, actor=agent, now=wall.after(minutes=5), level="general", category="repair",
                           validity="valid")
    handover = clock(c, "handover")
    assert handover.started_at == at("2026-03-10 21:00")
    assert handover.due_at == at("2026-03-11 14:00")  # 4 working hours: 08:30–12:00, then 13:30–14:00

    c = lifecycle.assign(c, actor=agent, now=wall.at("2026-03-11 08:40"), reason="夜间受理，次日早班交接")
    assert c.department.code == "customer_service"  # the first receiver's department keeps it (首问负责)
    c = lifecycle.accept(c, actor=c.owner, now=wall.after(minutes=10))
    c = lifecycle.record_contact(c, actor=c.owner, now=wall.after(minutes=10), note="已联系业主，安排维修")
    c = lifecycle.agree_solution(c, actor=c.owner, now=wall.after(minutes=30), plan="维修楼上住户防水层")
    c = lifecycle.return_result(c, actor=c.owner, now=wall.at("2026-03-13 16:00"), result="防水层已修复")  # Friday
    assert clock(c, "return_visit").due_at == at("2026-03-17 16:00")  # Mon and Tue: 2 working days
    c = lifecycle.record_return_visit(c, actor=agent, now=wall.at("2026-03-16 10:00"), satisfied=True,
                                      conversation="业主确认不再漏水，满意")
    c = lifecycle.sign_off(c, actor=people["zhoujl"], now=wall.after(hours=1))
    c = lifecycle.archive(c, actor=people["fengda"], now=wall.after(hours=1))
    assert c.status == State.ARCHIVED
    assert clocks_met(c) == {"handover": True, "return_visit": True}
    assert penalty_total(c) == 0
