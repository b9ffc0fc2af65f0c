"""The rules around handling (SPEC F5, F7, F9) and the bad input issue 4 names: each refusal is a
clear error, and nothing is half-written."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from kesu.clocks.models import PenaltyEntry
from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core.errors import KesuError, StaleUpdate, TransitionRefused, ValidationFailed
from kesu.core.lifecycle import State
from kesu.notifications.models import Notification
from kesu.org.services import designate_deputy, revoke_deputy
from kesu.workflow import services as workflow
from kesu.workflow.accountability import discipline_list
from kesu.workflow.models import Approval, Transfer
from kesu.workflow.sweep import sweep_overdue
from tests.factories import bring_to

pytestmark = pytest.mark.django_db


def unchanged(c: Complaint) -> tuple[int, int, str]:
    fresh = Complaint.objects.get(pk=c.pk)
    return fresh.version, fresh.event_seq, fresh.status


def test_approving_twice_is_refused_and_writes_nothing_more(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    a = workflow.request_approval(c, actor=people["lijl"], now=now, kind="compensation", compensation_kind="cash",
                                  amount="1200", plan="补偿 1200 元")
    workflow.decide_approval(a, actor=people["zhangzong"], now=now, approve=True)
    before = unchanged(c)
    with pytest.raises(KesuError, match="已处理"):
        workflow.decide_approval(a, actor=people["zhangzong"], now=now, approve=True)
    assert unchanged(c) == before


def test_a_compensation_goes_to_the_threshold_its_amount_falls_in(p1, people, now):
    c = bring_to(State.ASSIGNED, people, now)
    revoke_deputy(department=c.department, actor=people["lijl"], now=now)  # 刘代理 handles it, not as deputy
    c = lifecycle.assign(c, actor=people["wangkf"], now=now, department=c.department, owner=people["liudl"])
    c = lifecycle.accept(c, actor=people["liudl"], now=now)
    small = workflow.request_approval(c, actor=people["liudl"], now=now, kind="compensation",
                                      compensation_kind="discount", amount="300", plan="工时费打八折")
    big = workflow.request_approval(c, actor=people["lijl"], now=now, kind="compensation", compensation_kind="cash",
                                    amount="20000", plan="赔偿误工损失")
    assert (small.approver_role, small.finance_review) == ("dept_manager", False)  # ≤ 500: 部门经理核准
    assert (big.approver_role, big.special, big.threshold_label) == ("gm", True, "专案呈核")  # above 5000
    with pytest.raises(TransitionRefused, match="总经理"):  # above the manager's limit
        workflow.decide_approval(big, actor=people["lijl"], now=now, approve=True)
    workflow.decide_approval(small, actor=people["lijl"], now=now, approve=True)  # the handler asked; he decides
    assert Approval.objects.get(pk=small.pk).state == "approved"


def test_nobody_approves_their_own_request_a_managers_request_goes_one_threshold_up(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    a = workflow.request_approval(c, actor=people["lijl"], now=now, kind="compensation", compensation_kind="cash",
                                  amount="300", plan="补偿 300 元")
    assert a.approver_role == "gm"  # 300 is within 李经理's own limit, but he asked: the GM decides
    with pytest.raises(TransitionRefused):
        workflow.decide_approval(a, actor=people["lijl"], now=now, approve=True)


def test_finance_reviews_only_after_approval_and_not_the_approvers_own(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    a = workflow.request_approval(c, actor=people["lijl"], now=now, kind="compensation", compensation_kind="refund",
                                  amount="2000", plan="退还维修费")
    with pytest.raises(KesuError, match="不在财务审核环节"):
        workflow.finance_review(a, actor=people["wucw"], now=now, approve=True)
    workflow.decide_approval(a, actor=people["zhangzong"], now=now, approve=True)
    with pytest.raises(TransitionRefused, match="财务"):
        workflow.finance_review(a, actor=people["zhoujl"], now=now, approve=True)
    with pytest.raises(KesuError, match="必须填写原因"):
        workflow.finance_review(a, actor=people["wucw"], now=now, approve=False)
    assert workflow.finance_review(a, actor=people["wucw"], now=now, approve=True).state == "approved"


def test_a_compensation_kind_or_amount_the_policy_does_not_allow_is_refused(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    before = unchanged(c)
    with pytest.raises(KesuError, match="不在允许范围内"):
        workflow.request_approval(c, actor=people["lijl"], now=now, kind="compensation", compensation_kind="exchange",
                                  amount="100", plan="换货")  # P1 offers no exchange
    with pytest.raises(KesuError, match="不能小于"):
        workflow.request_approval(c, actor=people["lijl"], now=now, kind="compensation", compensation_kind="cash",
                                  amount="-5", plan="倒贴")
    assert unchanged(c) == before and not Approval.objects.exists()


def test_acting_on_an_archived_case_is_refused_until_it_is_reopened(p1, people, now):
    c = bring_to(State.ARCHIVED, people, now)
    before = unchanged(c)
    with pytest.raises(TransitionRefused, match="已归档"):
        workflow.transfer(c, actor=people["zhoujl"], now=now, to_department="parts", reason="转配件部")
    with pytest.raises(TransitionRefused, match="已归档"):
        workflow.request_approval(c, actor=people["lijl"], now=now, kind="solution", plan="再议")
    assert unchanged(c) == before
    c = lifecycle.reopen(c, actor=people["zhoujl"], now=now, reason="客户来电问题复发")
    assert c.status == State.REOPENED


def test_a_verdict_without_the_conversation_is_refused(p1, people, now):
    c = bring_to(State.FOLLOW_UP, people, now)
    before = unchanged(c)
    with pytest.raises(TransitionRefused, match="必须填写原因"):
        lifecycle.record_return_visit(c, actor=people["chenhf"], now=now, satisfied=True, conversation="  ")
    assert unchanged(c) == before


def test_a_transfer_to_a_department_that_does_not_exist_is_refused(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    before = unchanged(c)
    with pytest.raises(KesuError, match="不存在"):
        workflow.transfer(c, actor=people["lijl"], now=now, to_department="no_such_dept", reason="转交")
    with pytest.raises(KesuError, match="无需转交"):
        workflow.transfer(c, actor=people["lijl"], now=now, to_department="after_sales", reason="转交")
    assert unchanged(c) == before and not Transfer.objects.exists()


def test_a_transfer_must_be_acknowledged_and_escalates_when_it_is_not(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    t = workflow.transfer(c, actor=people["lijl"], now=now, to_department="parts", reason="属配件质量问题")
    c = Complaint.objects.get(pk=c.pk)
    assert (c.department.code, c.owner) == ("parts", people["xupj"])
    assert c.events.get(kind="transfer").changes["owner_id"] == [people["lijl"].pk, people["xupj"].pk]
    with pytest.raises(TransitionRefused, match="签收"):  # nothing goes on until the receiver signs
        lifecycle.agree_solution(c, actor=people["xupj"], now=now, plan="更换配件")
    with pytest.raises(TransitionRefused):  # the old department cannot sign for the new one
        workflow.acknowledge_transfer(c, actor=people["lijl"], now=now)

    sweep_overdue(now=now + timedelta(hours=2) - timedelta(seconds=1))
    assert not c.events.filter(kind="transfer_overdue").exists()
    sweep_overdue(now=now + timedelta(hours=2))  # P1 has no time of its own: Kesu's default, 2 hours
    sweep_overdue(now=now + timedelta(hours=3))
    assert c.events.filter(kind="transfer_overdue").count() == 1
    assert Notification.objects.filter(kind="transfer_overdue", recipient=people["zhoujl"]).exists()

    workflow.acknowledge_transfer(c, actor=people["xupj"], now=now + timedelta(hours=3), note="已签收")
    assert Transfer.objects.get(pk=t.pk).acknowledged_by == people["xupj"]
    c = lifecycle.agree_solution(Complaint.objects.get(pk=c.pk), actor=people["xupj"], now=now + timedelta(hours=4),
                                 plan="更换配件")
    assert c.status == State.SOLUTION_AGREED


def test_a_deputy_acts_for_the_manager_only_while_designated(p1, people, now):
    c = bring_to(State.ASSIGNED, people, now)
    revoke_deputy(department=c.department, actor=people["lijl"], now=now)  # the demo's standing designation
    deputy = people["liudl"]
    with pytest.raises(TransitionRefused):
        lifecycle.accept(c, actor=deputy, now=now)
    designate_deputy(department=c.department, deputy=deputy, actor=people["lijl"], now=now,
                     ends_at=now + timedelta(days=1), reason="李经理出差")
    later = now + timedelta(days=2)
    with pytest.raises(TransitionRefused):  # the designation has ended
        lifecycle.accept(c, actor=deputy, now=later)
    c = lifecycle.accept(c, actor=deputy, now=now + timedelta(hours=1))
    assert c.status == State.HANDLING


def test_two_people_acting_at_once_never_lose_a_change_silently(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    seen = c.version
    workflow.inform_customer(c, actor=people["lijl"], now=now, message="已告知客户检修安排", expected_version=seen)
    with pytest.raises(StaleUpdate, match="李经理"):
        workflow.transfer(c, actor=people["zhoujl"], now=now, to_department="parts", reason="转交",
                          expected_version=seen)
    assert Complaint.objects.get(pk=c.pk).department.code == "after_sales"
    assert Complaint.objects.get(pk=c.pk).events.filter(kind="inform_customer").count() == 1


def test_raising_past_the_top_level_is_refused(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    c = workflow.raise_level(c, actor=people["lijl"], now=now, reason="升级为重大投诉")
    c = workflow.raise_level(c, actor=people["lijl"], now=now, reason="升级为危机事件")
    assert c.level == "crisis"
    with pytest.raises(KesuError, match="最高级别"):
        workflow.raise_level(c, actor=people["lijl"], now=now, reason="再升级")


def test_an_investigation_report_names_what_is_missing(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    with pytest.raises(ValidationFailed) as refused:
        workflow.submit_investigation(c, actor=people["lijl"], now=now, findings=workflow.Findings(
            valid=True, cause="", course="经过", conclusion="", penalty="50"))
    fields = {e.field for e in refused.value.errors}
    assert fields == {"cause", "conclusion", "corrective", "penalty"}
    assert not c.investigations.exists() and not PenaltyEntry.objects.exists()


def test_only_a_valid_complaints_customer_is_rewarded(publish, people, now):
    publish("p4_public_commitment", now)
    from tests.factories import register

    c = register(people, now, extra={})
    c = lifecycle.classify(c, actor=people["wangkf"], now=now, level="ordinary", category="other",
                           validity="venting")
    c = lifecycle.answer_invalid(c, actor=people["wangkf"], now=now, explanation="属情绪发泄，已安抚")
    with pytest.raises(TransitionRefused):  # not a state in which rewards are granted
        workflow.grant_reward(c, actor=people["zhoujl"], now=now, to="customer", form="points", reason="感谢")


def test_the_discipline_list_gives_each_person_and_department_their_penalties_and_cases(p1, people, now):
    c = bring_to(State.HANDLING, people, now)  # first contact never made: the 20-minute clock breaches
    from kesu.clocks.sweep import sweep

    sweep(now=now + timedelta(hours=1))
    workflow.submit_investigation(c, actor=people["lijl"], now=now + timedelta(hours=1), findings=workflow.Findings(
        valid=True, cause="未按规程检修", course="经过", conclusion="维修质量问题", corrective="返修",
        responsible_staff=people["sunsf"], penalty="100"))
    for action, who, kwargs in (("agree_solution", "lijl", {"plan": "返修"}),
                                ("return_result", "lijl", {"result": "已返修"}),
                                ("record_return_visit", "chenhf", {"satisfied": True, "conversation": "满意"}),
                                ("sign_off", "zhoujl", {})):
        c = getattr(lifecycle, action)(Complaint.objects.get(pk=c.pk), actor=people[who],
                                       now=now + timedelta(hours=2), **kwargs)
    listed = discipline_list(2026, 3)
    assert [(d.name, d.clock_penalties, d.finding_penalties) for d in listed.departments.values()] == [
        ("机电维修班组", 0, Decimal("100.00")), ("售后服务部", Decimal("30.00"), 0)]  # 孙师傅's team; the manager's
    assert [(p.name, p.total, list(p.cases)) for p in listed.people()] == [
        ("孙师傅", Decimal("100.00"), [c.number]), ("李经理", Decimal("30.00"), [c.number])]
    assert all(case.closed for p in listed.people() for case in p.cases.values())
    assert discipline_list(2026, 2).entries == 0


def test_the_discipline_list_reaches_hr_once_even_when_the_run_repeats(p1, people, now):
    from kesu.notifications.models import Notification
    from kesu.workflow.tasks import send_discipline_list

    first = send_discipline_list(now=now)  # 2026-03-10: February's list
    again = send_discipline_list(now=now + timedelta(hours=5))
    assert (first["sent"], again["sent"]) == (1, 0)
    note = Notification.objects.get(kind="discipline_list", recipient=people["churs"])
    assert note.params["period"] == "2026-02"
