"""P4 (seed 001, public commitment): a complex complaint is investigated before it is answered;
the customer objects to the result and asks for re-investigation (五、纠纷处理 复审); the GM
upholds the objection, the case is investigated again, answered, and closes satisfied. The
finding books a penalty beside the clock penalties, and the customer, whose feedback was valid,
is rewarded with points (八、奖励机制)."""

from __future__ import annotations

import pytest

from kesu.clocks.models import PenaltyEntry
from kesu.complaints import lifecycle
from kesu.core.errors import TransitionRefused
from kesu.core.lifecycle import State
from kesu.workflow import services as workflow
from kesu.workflow.models import Reward
from tests.factories import register
from tests.scenarios.conftest import Wall, at, fresh, statuses, timeline

pytestmark = pytest.mark.django_db


def findings(people, **overrides):
    fields = dict(valid=True, cause="维修班组未按规程复紧螺栓", course="3 月 3 日保养后，3 月 9 日客户发现漏油",
                  conclusion="投诉成立，维修质量问题", corrective="免费返修并更换油底壳垫片",
                  preventive="保养后增加复检环节", responsible_staff=people["sunsf"])
    fields.update(overrides)
    return workflow.Findings(**fields)


def test_p4_complex_case_objection_upheld_and_reinvestigated(publish, people):
    wall = Wall(at("2026-03-10 09:00"))
    publish("p4_public_commitment", wall.now)
    agent, manager, gm = people["wangkf"], people["lijl"], people["zhangzong"]

    c = register(people, wall.now, channel="phone", extra={})
    c = lifecycle.classify(c, actor=agent, now=wall.after(minutes=5), level="complex", category="quality",
                           validity="valid")
    c = lifecycle.record_contact(c, actor=agent, now=wall.after(hours=1), note="已电话确认受理")
    c = lifecycle.assign(c, actor=agent, now=wall.after(minutes=10))
    c = lifecycle.accept(c, actor=manager, now=wall.after(hours=1))
    with pytest.raises(TransitionRefused, match="调查报告"):
        lifecycle.agree_solution(c, actor=manager, now=wall.now, plan="返修")
    workflow.submit_investigation(c, actor=manager, now=wall.after(days=1), findings=findings(people, penalty="100"))
    c = lifecycle.agree_solution(fresh(c), actor=manager, now=wall.after(hours=2), plan="免费返修")
    c = lifecycle.return_result(c, actor=manager, now=wall.after(days=1), result="已返修")
    c = lifecycle.record_return_visit(c, actor=people["chenhf"], now=wall.after(days=2), satisfied=True,
                                      conversation="客户初步表示满意")

    # The customer objects: a week later the leak is back, and they want the case looked at again.
    c = lifecycle.raise_objection(c, actor=agent, now=wall.after(days=3), objection="再次漏油，要求重新调查")
    with pytest.raises(TransitionRefused, match="总经理"):
        lifecycle.decide_objection(c, actor=people["zhoujl"], now=wall.now, upheld=True, finding="同意")
    c = lifecycle.decide_objection(c, actor=gm, now=wall.after(hours=4), upheld=True,
                                   finding="原调查未查明渗漏原因，重新调查")
    assert c.status == State.REOPENED
    c = lifecycle.accept(c, actor=manager, now=wall.after(hours=1))
    with pytest.raises(TransitionRefused, match="调查报告"):  # a new round needs a new report
        lifecycle.agree_solution(c, actor=manager, now=wall.now, plan="更换油底壳")
    workflow.submit_investigation(c, actor=manager, now=wall.after(days=1), findings=findings(
        people, cause="油底壳变形，首次返修未发现", conclusion="投诉成立，首次调查遗漏", corrective="更换油底壳",
        responsible_department="after_sales"))
    c = lifecycle.agree_solution(fresh(c), actor=manager, now=wall.after(hours=2), plan="更换油底壳")
    c = lifecycle.return_result(c, actor=manager, now=wall.after(days=1), result="已更换油底壳")
    c = lifecycle.record_return_visit(c, actor=people["chenhf"], now=wall.after(days=2), satisfied=True,
                                      conversation="客户满意")
    workflow.grant_reward(c, actor=people["zhoujl"], now=wall.after(hours=1), to="customer", form="points",
                          amount=500, reason="客户反馈有效，帮助发现维修流程缺陷")
    c = lifecycle.sign_off(fresh(c), actor=people["zhoujl"], now=wall.after(hours=1))
    c = lifecycle.review(c, actor=gm, now=wall.after(hours=2))
    c = lifecycle.archive(c, actor=people["fengda"], now=wall.after(hours=1))

    assert c.status == State.ARCHIVED
    assert "objected" in statuses(c) and statuses(c).count("solution_agreed") == 2
    assert timeline(c).count("submit_investigation") == 2
    assert c.responsible_staff == people["sunsf"] and c.responsible_department.code == "after_sales"
    finding = PenaltyEntry.objects.get(complaint=c, kind=PenaltyEntry.Kind.FINDING)
    assert (finding.amount, finding.staff) == (100, people["sunsf"])
    assert Reward.objects.get(complaint=c).form == "points"
