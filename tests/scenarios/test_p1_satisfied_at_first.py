"""P1 (seed 000 第五条), the coordination work order (协调工作单) end to end, customer satisfied at
the first return visit: hand-off to the manager within 10 minutes, plan and preliminary agreement
within 10 minutes (the GM approves a major case's solution), first contact within 10 minutes, the
specialist's check call 40 minutes later, the agreed repair done at the customer's next visit
(二次到店) so the result waits for it, the result returned, the second contact within 24 hours,
then CS-manager sign-off, GM review and archiving. Every clock met, no penalty."""

from __future__ import annotations

import pytest

from kesu.clocks import extensions
from kesu.complaints import lifecycle
from kesu.core.lifecycle import State
from kesu.workflow import services as workflow
from tests.factories import register
from tests.scenarios.conftest import Wall, at, clock, clocks_met, fresh, penalty_total, statuses, timeline

pytestmark = pytest.mark.django_db


def test_p1_major_complaint_runs_the_work_order_and_closes_satisfied(p1, people):
    wall = Wall(at("2026-03-10 09:30"))
    agent, manager, specialist = people["wangkf"], people["lijl"], people["chenhf"]

    c = register(people, wall.now)  # 王客服 takes the call: the engine light is on again after a service
    c = lifecycle.classify(c, actor=agent, now=wall.after(minutes=1), level="major", category="repair_quality",
                           validity="valid")
    assert clock(c, "first_response").due_at == at("2026-03-10 09:40")  # 重大投诉: 10 minutes
    assert clock(c, "handoff").due_at == at("2026-03-10 09:40")

    c = lifecycle.assign(c, actor=agent, now=wall.after(minutes=5), reason="填写协调工作单，交售后服务部经理")
    assert c.owner == manager and c.department.code == "after_sales"
    c = lifecycle.accept(c, actor=manager, now=wall.after(minutes=1))
    c = lifecycle.record_contact(c, actor=manager, now=wall.after(minutes=2), note="致电客户致歉，约定检修方案")

    # A major case's solution is reserved to the GM (P1 第五条(三) 重大投诉报总经理).
    with pytest.raises(Exception, match="须经审批"):
        lifecycle.agree_solution(c, actor=manager, now=wall.now, plan="下次到店免费更换氧传感器")
    approval = workflow.request_approval(c, actor=manager, now=wall.after(minutes=1), kind="solution",
                                         plan="下次到店免费更换氧传感器并赠送一次保养")
    workflow.decide_approval(approval, actor=people["zhangzong"], now=wall.after(minutes=3), approve=True,
                             note="同意")
    c = lifecycle.agree_solution(fresh(c), actor=manager, now=wall.after(minutes=2),
                                 plan="下次到店免费更换氧传感器并赠送一次保养，客户同意")
    assert wall.now == at("2026-03-10 09:45")  # within 10 minutes of the hand-off at 09:36

    # the check call 40 minutes after registration (09:30) at the earliest: 10:21 counts
    c = lifecycle.record_progress_call(c, actor=specialist, now=wall.after(minutes=36), note="客户确认周四到店")

    # The repair happens at the customer's next visit: the result clock waits for it.
    extensions.pause_for_next_visit(c, clock_code="result_return", actor=manager, now=wall.after(minutes=10),
                                    reason="约定客户 3 月 12 日二次到店更换")
    wall.at("2026-03-12 09:00")  # two days later: paused, so no breach of the 12-hour clock
    assert clock(c, "result_return").breached_at is None
    extensions.resume_clock(c, clock_code="result_return", actor=manager, now=wall.now, reason="客户到店")
    assert clock(c, "result_return").due_at == at("2026-03-12 20:14")  # 09:45 + 12 h + the 46 h 29 min paused

    c = lifecycle.return_result(fresh(c), actor=manager, now=wall.at("2026-03-12 11:00"),
                                result="已更换氧传感器，试车正常，故障灯熄灭")
    c = lifecycle.record_return_visit(c, actor=specialist, now=wall.at("2026-03-12 15:00"), satisfied=True,
                                      conversation="客户表示问题已解决，对处理速度满意，评价：满意")
    c = lifecycle.sign_off(c, actor=people["zhoujl"], now=wall.after(hours=1), note="同意结案")
    c = lifecycle.review(c, actor=people["zhangzong"], now=wall.after(hours=2), note="已阅")
    c = lifecycle.archive(c, actor=people["fengda"], now=wall.after(hours=1))

    assert c.status == State.ARCHIVED
    assert statuses(c) == ["registered", "classified", "assigned", "handling", "solution_agreed", "follow_up",
                           "satisfied", "signed_off", "reviewed", "archived"]
    assert clocks_met(c) == {"first_response": True, "first_contact": True, "handoff": True, "plan_agreement": True,
                             "progress_call": True, "result_return": True, "second_response": True}
    assert penalty_total(c) == 0
    kinds = timeline(c)
    assert kinds.index("request_approval") < kinds.index("approval_decided") < kinds.index("agree_solution")
    assert kinds.index("clock_paused") < kinds.index("clock_resumed") < kinds.index("return_result")
