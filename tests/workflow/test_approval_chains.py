"""Approval chains and committees (issue 18), each test a rule of a seed 000 / 002 policy:
喜临门 4.2.2.2 5) 经总经理审批后转交; the manufacturer's 第七条 呈报上级主管裁定是否受理; the law firm's
分管合伙人处理，如分管合伙人不在，则由主任或其他合伙人处理，重大事项应由合伙人会议讨论决定; the mall's
七、1 经稽核处提报人评会决议，并呈上级予以奖励 and 六、2 无法明确归属部门者，以专案呈报处理."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from kesu.complaints import lifecycle
from kesu.core.errors import KesuError, StaleUpdate, TransitionRefused
from kesu.core.lifecycle import State
from kesu.core.policy.io import PRESETS_DIR
from kesu.core.roles import Role
from kesu.org.models import Department, Staff, StaffRole
from kesu.policies.services import import_and_publish
from kesu.workflow import services as workflow
from kesu.workflow.models import Approval, ApprovalVote, Reward, Transfer
from kesu.workflow.sweep import sweep_overdue
from tests.factories import bring_to, register

pytestmark = pytest.mark.django_db


def publish_p1_with(now, **approvals):  # type: ignore[no-untyped-def]
    """P1 in force, with the approval sections a seed's policy adds."""
    doc = yaml.safe_load((PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8"))
    doc["approvals"].update(approvals)
    return import_and_publish(text=yaml.safe_dump(doc, allow_unicode=True), actor=None, now=now)


def fresh(c):  # type: ignore[no-untyped-def]
    return type(c).objects.get(pk=c.pk)


def partner(username: str, name: str) -> Staff:
    s = Staff.objects.create(username=username, display_name=name, password="x")
    StaffRole.objects.create(staff=s, role=Role.DEPT_MANAGER)
    s.departments.add(Department.objects.get(code="company"))
    return s


# --- 喜临门: the GM approves a transfer before it happens ---------------------------------------------

def test_a_transfer_waits_for_the_general_managers_approval_then_moves_the_case(people, now):
    publish_p1_with(now, chains=[{"code": "transfer_by_gm", "name": "转交审批", "applies_to": "transfer",
                                  "stages": [{"approver": "gm"}]}])
    c = bring_to(State.HANDLING, people, now)
    asked = workflow.transfer(c, actor=people["lijl"], now=now, to_department="parts", reason="配件问题，转配件部")
    assert isinstance(asked, Approval) and asked.kind == "transfer" and asked.approver_role == "gm"
    c = fresh(c)
    assert c.department.code == "after_sales" and not Transfer.objects.filter(complaint=c).exists()
    assert c.events.order_by("-seq").first().kind == "transfer_requested"

    with pytest.raises(TransitionRefused):  # only the GM approves it
        workflow.decide_approval(asked, actor=people["zhoujl"], now=now, approve=True)
    with pytest.raises(StaleUpdate):  # the kernel checks the version the approver saw
        workflow.decide_approval(asked, actor=people["zhangzong"], now=now, approve=True,
                                 expected_version=c.version - 1)
    workflow.decide_approval(asked, actor=people["zhangzong"], now=now + timedelta(minutes=5), approve=True,
                             expected_version=c.version)
    c = fresh(c)
    assert c.department.code == "parts" and c.owner == people["xupj"]
    assert Transfer.objects.get(complaint=c).to_department.code == "parts"  # the 转交处理联系单, to be signed


def test_a_transfer_the_general_manager_rejects_leaves_the_case_where_it_was(people, now):
    publish_p1_with(now, chains=[{"code": "transfer_by_gm", "name": "转交审批", "applies_to": "transfer",
                                  "stages": [{"approver": "gm"}]}])
    c = bring_to(State.HANDLING, people, now)
    asked = workflow.transfer(c, actor=people["lijl"], now=now, to_department="parts", reason="转配件部")
    with pytest.raises(TransitionRefused, match="原因"):  # a rejection says why
        workflow.decide_approval(asked, actor=people["zhangzong"], now=now, approve=False)
    workflow.decide_approval(asked, actor=people["zhangzong"], now=now, approve=False, note="属售后责任，不转")
    assert fresh(c).department.code == "after_sales" and not Transfer.objects.exists()


# --- the manufacturer: a supervisor rules whether the complaint is accepted at all -----------------------

def test_a_complaint_is_assigned_only_after_the_supervisor_rules_it_accepted(people, now):
    publish_p1_with(now, chains=[{"code": "acceptance", "name": "裁定是否受理", "applies_to": "acceptance",
                                  "stages": [{"approver": "cs_manager", "label": "上级主管裁定"}]}])
    c = bring_to(State.CLASSIFIED, people, now)
    with pytest.raises(TransitionRefused, match="须先呈报上级主管裁定是否受理"):
        lifecycle.assign(c, actor=people["wangkf"], now=now)
    ruling = workflow.request_acceptance(c, actor=people["wangkf"], now=now,
                                         reason="客户所述故障与维修记录相符，投诉理由成立")
    with pytest.raises(TransitionRefused, match="须先呈报上级主管裁定是否受理"):  # not before the ruling
        lifecycle.assign(fresh(c), actor=people["wangkf"], now=now)
    workflow.decide_approval(ruling, actor=people["zhoujl"], now=now + timedelta(minutes=5), approve=True,
                             note="受理")
    c = lifecycle.assign(fresh(c), actor=people["wangkf"], now=now + timedelta(minutes=6))
    assert c.status == State.ASSIGNED


def test_a_complaint_ruled_not_accepted_is_answered_with_the_reason(people, now):
    publish_p1_with(now, chains=[{"code": "acceptance", "name": "裁定是否受理", "applies_to": "acceptance",
                                  "stages": [{"approver": "cs_manager"}]}])
    c = bring_to(State.CLASSIFIED, people, now)
    ruling = workflow.request_acceptance(c, actor=people["wangkf"], now=now, reason="客户自行改装导致故障")
    workflow.decide_approval(ruling, actor=people["zhoujl"], now=now, approve=False, note="属客户原因，不予受理")
    with pytest.raises(TransitionRefused, match="裁定"):
        lifecycle.assign(fresh(c), actor=people["wangkf"], now=now)
    # 如属客户原因，应迅速答复客户，婉转讲明理由
    c = lifecycle.classify(fresh(c), actor=people["wangkf"], now=now, level=c.level, category=c.category,
                           validity="venting")
    c = lifecycle.answer_invalid(c, actor=people["wangkf"], now=now, explanation="经核实系改装所致，已向客户说明")
    assert c.status == State.INVALID_ANSWERED


def test_a_policy_without_an_acceptance_chain_refuses_the_request_by_its_field(p1, people, now):
    c = bring_to(State.CLASSIFIED, people, now)
    with pytest.raises(KesuError) as refused:
        workflow.request_acceptance(c, actor=people["wangkf"], now=now, reason="理由成立")
    assert refused.value.field == "reason"
    assert lifecycle.assign(fresh(c), actor=people["wangkf"], now=now).status == State.ASSIGNED


# --- the law firm: the partner in charge, the fallback, the partners' meeting ----------------------------

LAW_FIRM = dict(
    solution_levels=["major"],
    committees=[{"code": "partners", "name": "合伙人会议", "members": ["person:hehuo1", "person:hehuo2",
                                                                   "person:hehuo3"],
                 "quorum": 2, "majority": "simple"}],
    chains=[{"code": "major_matter", "name": "重大事项审批", "applies_to": "solution", "levels": ["major"],
             "stages": [{"approver": "dept_manager", "fallback": ["gm"], "fallback_after": "4h",
                         "label": "分管合伙人处理"},
                        {"committee": "partners", "label": "合伙人会议讨论决定"}]}],
)


def major_case(people, now):  # type: ignore[no-untyped-def]
    c = register(people, now)
    c = lifecycle.classify(c, actor=people["wangkf"], now=now, level="major", category="repair_quality",
                           validity="valid")
    c = lifecycle.assign(c, actor=people["wangkf"], now=now)
    return lifecycle.accept(c, actor=people["lijl"], now=now)


def test_a_major_matter_goes_from_the_partner_in_charge_to_the_partners_meeting(people, now):
    publish_p1_with(now, **LAW_FIRM)
    first, second, third = partner("hehuo1", "甲合伙人"), partner("hehuo2", "乙合伙人"), partner("hehuo3", "丙合伙人")
    c = major_case(people, now)
    matter = workflow.request_approval(c, actor=people["liudl"], now=now, kind="solution", plan="退还律师费的 30%")
    workflow.decide_approval(matter, actor=people["lijl"], now=now, approve=True, note="同意，提交合伙人会议")
    matter = Approval.objects.get(pk=matter.pk)
    assert (matter.state, matter.stage, matter.approver_role) == ("pending", 1, "committee:partners")

    with pytest.raises(TransitionRefused):  # not a member of the meeting
        workflow.decide_approval(matter, actor=people["zhoujl"], now=now, approve=True)
    workflow.decide_approval(matter, actor=first, now=now, approve=True, note="同意")
    assert fresh(c).events.order_by("-seq").first().kind == "approval_voted"  # one vote: no quorum yet
    with pytest.raises(KesuError, match="表决过"):
        workflow.decide_approval(matter, actor=first, now=now, approve=True)
    workflow.decide_approval(matter, actor=second, now=now, approve=True, note="同意")
    matter = Approval.objects.get(pk=matter.pk)
    assert matter.state == "approved" and ApprovalVote.objects.filter(approval=matter).count() == 2
    assert fresh(c).events.order_by("-seq").first().changes["vote"] == ["合伙人会议", "2:0"]
    with pytest.raises(KesuError):  # decided: the third partner's vote comes too late
        workflow.decide_approval(matter, actor=third, now=now, approve=False, note="反对")


def test_the_partners_meeting_rejects_without_a_majority_of_the_votes_cast(people, now):
    publish_p1_with(now, **LAW_FIRM)
    first, second = partner("hehuo1", "甲合伙人"), partner("hehuo2", "乙合伙人")
    c = major_case(people, now)
    matter = workflow.request_approval(c, actor=people["liudl"], now=now, kind="solution", plan="全额退费")
    workflow.decide_approval(matter, actor=people["lijl"], now=now, approve=True)
    workflow.decide_approval(matter, actor=first, now=now, approve=True)
    workflow.decide_approval(matter, actor=second, now=now, approve=False, note="退费比例过高")
    assert Approval.objects.get(pk=matter.pk).state == "rejected"


def test_when_the_partner_in_charge_is_absent_the_director_decides(people, now):
    publish_p1_with(now, **LAW_FIRM)
    c = major_case(people, now)
    matter = workflow.request_approval(c, actor=people["liudl"], now=now, kind="solution", plan="退还部分费用")
    with pytest.raises(TransitionRefused):  # the partner in charge is there: the director waits
        workflow.decide_approval(matter, actor=people["zhangzong"], now=now, approve=True)
    workflow.mark_absent(people["lijl"], actor=people["admin"], now=now, reason="外地开庭")
    workflow.decide_approval(matter, actor=people["zhangzong"], now=now + timedelta(minutes=1), approve=True,
                             note="分管合伙人不在，由主任处理")
    assert Approval.objects.get(pk=matter.pk).stage == 1  # on to the partners' meeting


def test_when_the_partner_in_charge_has_not_decided_in_time_the_director_is_told_and_may_decide(people, now):
    publish_p1_with(now, **LAW_FIRM)
    c = major_case(people, now)
    matter = workflow.request_approval(c, actor=people["liudl"], now=now, kind="solution", plan="退还部分费用")
    sweep_overdue(now=now + timedelta(hours=3))
    assert not fresh(c).events.filter(kind="approval_fallback").exists()
    sweep_overdue(now=now + timedelta(hours=4, minutes=1))
    sweep_overdue(now=now + timedelta(hours=5))  # told once
    assert fresh(c).events.filter(kind="approval_fallback").count() == 1
    assert people["zhangzong"].notifications.filter(kind="approval_fallback").count() == 1
    workflow.decide_approval(matter, actor=people["zhangzong"], now=now + timedelta(hours=5), approve=True)
    assert Approval.objects.get(pk=matter.pk).stage == 1


# --- the mall: 人评会 resolves a staff reward, the superior grants it; unattributable costs ------------

def mall_case(people, now, until: State):  # type: ignore[no-untyped-def]
    """A P2 tier-1 case at the store (销售部 stands for the store), taken along to ``until``."""
    from kesu.core.registration import RegistrationInput

    store = Department.objects.get(code="sales")
    c = lifecycle.register_complaint(actor=people["wangkf"], now=now, location=store, data=RegistrationInput(
        channel="walk_in", customer_words="电饭煲三天就坏了，柜台不给换。", customer_name="周女士",
        customer_phone="13900001111", demands=("exchange",)))
    c = lifecycle.classify(c, actor=people["wangkf"], now=now, level="tier1", category="exchange", validity="valid")
    c = lifecycle.assign(c, actor=people["wangkf"], now=now)
    c = lifecycle.accept(c, actor=people["zhaojl"], now=now)
    if until == State.HANDLING:
        return c
    c = lifecycle.agree_solution(c, actor=people["zhaojl"], now=now, plan="换新")
    c = lifecycle.return_result(c, actor=people["zhaojl"], now=now, result="已换新")
    return lifecycle.record_return_visit(c, actor=people["chenhf"], now=now, satisfied=True, conversation="满意")


def test_a_staff_reward_is_resolved_by_the_personnel_review_committee_then_granted_by_the_superior(publish, people,
                                                                                                   now):
    publish("p2_mall_three_tier", now)
    c = mall_case(people, now, State.SATISFIED)
    asked = workflow.grant_reward(c, actor=people["zhoujl"], now=now, to="staff", staff=people["zhaojl"],
                                  form="bonus", amount="500", reason="妥善处理媒体关注的客诉，获报纸表扬")
    assert isinstance(asked, Approval) and asked.approver_role == "committee:personnel_review"
    for member in ("churs", "zhengjh"):
        workflow.decide_approval(asked, actor=people[member], now=now, approve=True)
    assert Approval.objects.get(pk=asked.pk).stage == 0  # two of four: no quorum yet
    workflow.decide_approval(asked, actor=people["wucw"], now=now, approve=True)
    assert Approval.objects.get(pk=asked.pk).stage == 1 and not Reward.objects.exists()  # 呈上级
    workflow.decide_approval(asked, actor=people["zhangzong"], now=now, approve=True, note="予以奖励")
    reward = Reward.objects.get(complaint=c)
    assert (reward.staff, reward.form, str(reward.amount)) == (people["zhaojl"], "bonus", "500.00")


def test_a_cost_no_department_can_be_charged_with_goes_to_special_approval(publish, people, now):
    publish("p2_mall_three_tier", now)
    c = mall_case(people, now, State.HANDLING)
    small = workflow.request_approval(c, actor=people["zhaojl"], now=now, kind="compensation",
                                      compensation_kind="voucher", amount="200", plan="致送礼券，费用无法归属",
                                      unattributable=True)
    assert (small.special, small.threshold_label, small.charge_to, small.approver_role) == (
        True, "专案呈核", None, "gm")
