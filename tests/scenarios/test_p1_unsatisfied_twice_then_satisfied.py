"""P1: "不满意的，则重新按照处理流程进行处理，直到客户满意为止" — the case goes round again after
each not-satisfied return visit, the rounds are counted, the second contact clock runs anew each
round, and a late second contact costs the level's penalty. Past the policy's limit (two rounds)
the case is escalated to the GM."""

from __future__ import annotations

import pytest

from kesu.clocks.models import PenaltyEntry
from kesu.complaints import lifecycle
from kesu.core.lifecycle import State
from kesu.notifications.models import Notification
from tests.factories import register
from tests.scenarios.conftest import Wall, at, fresh, statuses, timeline

pytestmark = pytest.mark.django_db


def round_of_handling(c, people, wall, *, plan: str, result: str):
    manager = people["lijl"]
    c = lifecycle.accept(c, actor=manager, now=wall.after(minutes=5))
    c = lifecycle.agree_solution(c, actor=manager, now=wall.after(minutes=5), plan=plan)
    return lifecycle.return_result(c, actor=manager, now=wall.after(hours=3), result=result)


def start(people, p1, wall):
    c = register(people, wall.now)
    c = lifecycle.classify(c, actor=people["wangkf"], now=wall.after(minutes=1), level="dissatisfied",
                           category="repair_quality", validity="valid")
    c = lifecycle.assign(c, actor=people["wangkf"], now=wall.after(minutes=4))
    c = lifecycle.record_contact(c, actor=people["lijl"], now=wall.after(minutes=5), note="已致电客户")
    return round_of_handling(c, people, wall, plan="清洗节气门", result="已清洗节气门")


def test_not_satisfied_twice_then_satisfied(p1, people):
    wall = Wall(at("2026-03-10 09:30"))
    specialist = people["chenhf"]
    c = start(people, p1, wall)

    c = lifecycle.record_return_visit(c, actor=specialist, now=wall.after(hours=2), satisfied=False,
                                      conversation="客户反映故障灯仍亮，不满意")
    assert c.status == State.REOPENED
    c = round_of_handling(c, people, wall, plan="更换氧传感器", result="已更换氧传感器")
    # Round two: the specialist calls back 25 hours later — past the 24-hour second contact.
    c = lifecycle.record_return_visit(c, actor=specialist, now=wall.after(hours=25), satisfied=False,
                                      conversation="客户认为等待太久，仍不满意")
    c = round_of_handling(c, people, wall, plan="更换三元催化器并道歉", result="已更换三元催化器")
    c = lifecycle.record_return_visit(c, actor=specialist, now=wall.after(hours=2), satisfied=True,
                                      conversation="客户满意")

    assert c.status == State.SATISFIED
    assert statuses(c).count("reopened") == 2
    assert timeline(c).count("record_unsatisfied") == 2
    assert "unsatisfied_limit_exceeded" not in timeline(c)  # two rounds: within P1's limit
    second = list(c.clocks.filter(code="second_response").order_by("started_at").values_list("met", flat=True))
    assert second == [True, False, True]
    late = PenaltyEntry.objects.get(complaint=c)
    # 不满意: 20 元, booked to the agent who answers for the second contact
    assert (late.amount, late.staff, late.kind) == (20, people["wangkf"], PenaltyEntry.Kind.CLOCK_BREACH)


def test_a_third_unsatisfied_round_is_escalated_to_the_gm(p1, people):
    wall = Wall(at("2026-03-10 09:30"))
    c = start(people, p1, wall)
    for attempt in range(3):
        c = lifecycle.record_return_visit(fresh(c), actor=people["chenhf"], now=wall.after(hours=1),
                                          satisfied=False, conversation=f"第 {attempt + 1} 次回访：不满意")
        if attempt < 2:
            c = round_of_handling(c, people, wall, plan="再次检修", result="已检修")
    assert timeline(c).count("unsatisfied_limit_exceeded") == 1
    assert Notification.objects.filter(kind="unsatisfied_limit_exceeded", recipient=people["zhangzong"]).exists()
