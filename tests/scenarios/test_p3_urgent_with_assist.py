"""P3 (seed 003, rapid response): a 紧急 complaint is answered within 1 hour and has a first
solution within 4 hours; the after-sales department asks the parts department for help (协办)
with its own due time, which parts meets; a second help request nobody answers is put on the
timeline and escalated when its time runs out."""

from __future__ import annotations

import pytest

from kesu.complaints import lifecycle
from kesu.core.errors import TransitionRefused
from kesu.core.lifecycle import State
from kesu.notifications.models import Notification
from kesu.workflow import services as workflow
from kesu.workflow.models import AssistRequest
from tests.factories import register
from tests.scenarios.conftest import Wall, at, clock, clocks_met, fresh, penalty_total, timeline

pytestmark = pytest.mark.django_db


def test_p3_urgent_case_with_help_from_another_department(publish, people):
    wall = Wall(at("2026-03-10 14:00"))
    publish("p3_rapid_response", wall.now)
    agent, manager = people["wangkf"], people["lijl"]

    c = register(people, wall.now, extra={})
    c = lifecycle.classify(c, actor=agent, now=wall.after(minutes=3), level="urgent", category="malfunction",
                           validity="valid")
    assert clock(c, "response").due_at == at("2026-03-10 15:00")
    assert clock(c, "initial_solution").due_at == at("2026-03-10 18:00")
    c = lifecycle.assign(c, actor=agent, now=wall.after(minutes=2))
    c = lifecycle.accept(c, actor=manager, now=wall.after(minutes=5))
    c = lifecycle.record_contact(c, actor=manager, now=wall.after(minutes=10), note="已联系客户，车辆无法启动")

    parts = workflow.request_assist(c, actor=manager, now=wall.after(minutes=5), department="parts",
                                    matter="紧急调拨一块蓄电池", within="2h")
    assert parts.due_at == at("2026-03-10 16:25")  # asked at 14:25, within 2 hours
    assert Notification.objects.filter(kind="assist_requested", recipient=people["xupj"]).exists()
    with pytest.raises(TransitionRefused):  # only the helping department answers
        workflow.answer_assist(parts, actor=people["zhaojl"], now=wall.now, answer="已调拨")
    workflow.answer_assist(parts, actor=people["xupj"], now=wall.after(minutes=50), answer="蓄电池已送至维修车间")

    sales = workflow.request_assist(c, actor=manager, now=wall.after(minutes=1), department="sales",
                                    matter="提供购车时的交付检查记录", within="1h")
    approval = workflow.request_approval(c, actor=manager, now=wall.after(minutes=5), kind="solution",
                                         plan="上门更换蓄电池并检查发电机")
    workflow.decide_approval(approval, actor=people["zhangzong"], now=wall.after(minutes=15), approve=True)
    c = lifecycle.agree_solution(fresh(c), actor=manager, now=wall.after(minutes=5), plan="上门更换蓄电池")
    assert wall.now < at("2026-03-10 18:00")  # first solution within 4 hours

    wall.after(hours=1)  # the sales department never answered
    assert AssistRequest.objects.get(pk=sales.pk).overdue_at is not None
    assert timeline(c).count("assist_overdue") == 1
    assert Notification.objects.filter(kind="assist_overdue", recipient=manager).exists()
    wall.after(minutes=30)
    assert timeline(c).count("assist_overdue") == 1  # escalated once, not at every sweep

    c = lifecycle.return_result(fresh(c), actor=manager, now=wall.after(hours=1), result="已更换蓄电池，车辆正常")
    c = lifecycle.record_return_visit(c, actor=people["chenhf"], now=wall.after(hours=20), satisfied=True,
                                      conversation="客户满意")
    c = lifecycle.sign_off(c, actor=people["zhoujl"], now=wall.after(hours=1))
    c = lifecycle.archive(c, actor=people["fengda"], now=wall.after(hours=1))
    assert c.status == State.ARCHIVED
    assert clocks_met(c) == {"response": True, "initial_solution": True, "return_visit": True}
    assert penalty_total(c) == 0
    assert timeline(c).count("request_assist") == 2 and "assist_answered" in timeline(c)
