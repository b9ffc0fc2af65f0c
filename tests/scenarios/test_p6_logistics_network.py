"""P6 (seed 000 篇一, a logistics network of hubs and branches), one day in the network:

* A shipper calls the 400 hotline: the contents of a shipment arrived broken at the 浦东网点 (货损). The
  customer-service centre answers within the hour and routes it to the branch where it happened; the
  branch asks the 上海分拨中心 for help (协办, answered within 4 hours), inspects the damage within 24
  hours, and the 3,000 元 insured-value payout (保价赔付) is approved by the 总裁办 and reviewed by the
  claims officer acting for finance. The result is back within 72 hours, the return visit within 24;
  the CS-centre supervisor signs it off (no GM review in this policy) and it is archived. Every clock met,
  no penalty.
* The same morning a customer complains on QQ that a delivery is late (时效延误, 送货不及时) and mentions
  12315: the level is raised to 紧急, the case goes to the hub, and nobody answers it within the day a
  delay is given: 100 元 are booked to the hub's manager and the hub, not to customer service.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from kesu.complaints import intake, lifecycle
from kesu.core.lifecycle import State
from kesu.org.models import Department, Staff, StaffRole
from kesu.org.services import roles_of
from kesu.workflow import services as workflow
from kesu.workflow.models import Approval
from tests.scenarios.conftest import Wall, at, clock, clocks_met, fresh, penalty_total, statuses

pytestmark = pytest.mark.django_db

NETWORK = [  # code, name, parent, is_location (a hub or a branch: where goods are damaged, lost or late)
    ("network", "示例物流网络", None, False),
    ("president", "总裁办", "network", False),
    ("customer_service", "客服中心", "network", False),
    ("finance", "财务部", "network", False),
    ("claims", "理赔部", "network", False),
    ("admin", "行政部", "network", False),
    ("hub_sh", "上海分拨中心", "network", True),
    ("branch_pd", "浦东网点", "hub_sh", True),
]
STAFF = [  # login, name, role (the policy's own roles where it names them), department, manages
    ("kefu", "客服小林", "cs_agent", "customer_service", False),
    ("zhuguan", "客服主管老周", "cs_supervisor", "customer_service", True),
    ("zongcai", "总裁办秘书", "president_office", "president", True),
    ("lipei", "理赔专员小何", "claims_officer", "claims", True),
    ("caiwu", "财务老吴", "finance", "finance", True),
    ("dangan", "行政小冯", "archivist", "admin", True),
    ("fenbo", "分拨中心经理老陈", "hub_manager", "hub_sh", True),
    ("wangdian", "网点负责人小王", "branch_manager", "branch_pd", True),
]


@pytest.fixture
def network(db, publish):
    publish("p6_logistics_network", at("2026-03-01 00:00"))
    depts: dict[str, Department] = {}
    for code, name, parent, is_location in NETWORK:
        depts[code] = Department.objects.create(code=code, name=name, parent=depts.get(parent or ""),
                                                is_location=is_location)
    people = {}
    for login, name, role, dept, manages in STAFF:
        person = Staff.objects.create_user(username=login, password="network-pass-1", display_name=name)
        person.departments.set([depts[dept]])
        StaffRole.objects.create(staff=person, role=role)
        if manages:
            depts[dept].manager = person
            depts[dept].save(update_fields=["manager"])
        people[login] = person
    return people


def test_p6_a_damaged_shipment_and_a_late_delivery_through_the_network(network):
    wall = Wall(at("2026-03-10 10:00"))
    kefu, branch, hub = network["kefu"], network["wangdian"], network["fenbo"]
    assert roles_of(network["zongcai"]) == {"president_office", "gm"}  # 总裁办 carries the GM's powers

    # 10:00 — the 400 hotline: contents broken on arrival at the 浦东网点, an insured shipment.
    damaged = intake.register(intake.Received("hotline_400", {
        "customer_name": "货主刘先生", "customer_phone": "13900139000",
        "customer_words": "到货后内物破损两件，要求保价赔付",
        "level": "一般", "category": "内物破损", "demands": "理赔赔付", "extra.waybill_no": "YD20260310001",
        "extra.pieces_affected": "2", "extra.declared_value": "3000"}, location="branch_pd"), actor=kefu, now=wall.now
    ).complaint
    assert (damaged.channel, damaged.category, damaged.demands) == ("hotline_400", "contents_damaged", ["claim_payout"])
    assert clock(damaged, "first_response").due_at == at("2026-03-10 12:00")  # 一般: 2 hours
    assert clock(damaged, "damage_check").due_at == at("2026-03-11 10:00")  # 货损核实 within 24 hours
    assert clock(damaged, "resolution").due_at == at("2026-03-13 10:00")  # 72 hours

    # 10:05 — QQ: a late delivery, and the customer mentions 12315.
    late = intake.register(intake.Received("qq", {
        "customer_name": "张女士", "customer_phone": "13700137000", "category": "送货不及时",
        "customer_words": "说好昨天送到，今天还没送，再不送我就打12315", "extra.waybill_no": "YD20260309088"},
        location="hub_sh"), actor=kefu, now=wall.after(minutes=5)).complaint
    assert late.level == "urgent"  # the warning words raised it
    assert clock(late, "resolution").due_at == at("2026-03-11 10:05")  # a delay is answered within a day

    # The customer-service centre answers both and routes them to where it happened.
    damaged = lifecycle.record_contact(damaged, actor=kefu, now=wall.at("2026-03-10 10:20"), note="致歉，说明理赔流程")
    late = lifecycle.record_contact(late, actor=kefu, now=wall.after(minutes=2), note="已催分拨中心")
    damaged = lifecycle.classify(fresh(damaged), actor=kefu, now=wall.after(minutes=3), level="general",
                                 category="contents_damaged", validity="valid")
    damaged = lifecycle.assign(damaged, actor=kefu, now=wall.after(minutes=1))
    late = lifecycle.classify(fresh(late), actor=kefu, now=wall.now, level="urgent", category="delivery_late",
                              validity="valid")
    late = lifecycle.assign(late, actor=kefu, now=wall.after(minutes=1))
    assert (damaged.department.code, damaged.owner) == ("branch_pd", branch)
    assert (late.department.code, late.owner) == ("hub_sh", hub)
    damaged = lifecycle.accept(damaged, actor=branch, now=wall.at("2026-03-10 10:40"))

    # 11:00 — the branch asks the hub to check the sorting video (协办); the hub answers at 13:00.
    ask = workflow.request_assist(damaged, actor=branch, now=wall.at("2026-03-10 11:00"), department="hub_sh",
                                  matter="调取分拨环节监控，核实破损发生环节")
    assert clock(damaged, "assist_answer").due_at == at("2026-03-10 15:00")
    workflow.answer_assist(ask, actor=hub, now=wall.at("2026-03-10 13:00"), answer="监控显示装卸时跌落，责任在分拨中心")

    # 14:00 — the branch's inspection report: the damage is confirmed.
    workflow.submit_investigation(fresh(damaged), actor=branch, now=wall.at("2026-03-10 14:00"),
                                  findings=workflow.Findings(
                                      valid=True, cause="分拨中心装卸跌落", course="到货开箱发现两件破损",
                                      conclusion="属实，保价赔付", corrective="赔付货主",
                                      preventive="分拨中心装卸培训", responsible_department="hub_sh"))

    # The insured-value payout: 3,000 元 goes to the 总裁办 and then to finance — the claims officer.
    payout = workflow.request_approval(fresh(damaged), actor=branch, now=wall.after(minutes=10), kind="compensation",
                                       plan="按保价金额赔付两件", compensation_kind="insured_claim", amount="3000")
    assert (payout.approver_role, payout.threshold_label) == ("president_office", "总裁办核准，财务审核")
    workflow.decide_approval(payout, actor=network["zongcai"], now=wall.after(minutes=30), approve=True, note="同意")
    workflow.finance_review(Approval.objects.get(pk=payout.pk), actor=network["lipei"], now=wall.after(minutes=20),
                            approve=True, note="已核保价单")
    assert Approval.objects.get(pk=payout.pk).state == Approval.State.APPROVED
    damaged = lifecycle.agree_solution(fresh(damaged), actor=branch, now=wall.at("2026-03-10 16:00"),
                                       plan="保价赔付 3000 元，客户同意")

    # Nobody at the hub answers the late delivery in the day a delay is given.
    wall.at("2026-03-11 10:05")
    assert clock(late, "resolution").breached_at == at("2026-03-11 10:05")

    damaged = lifecycle.return_result(fresh(damaged), actor=branch, now=wall.at("2026-03-11 11:00"),
                                      result="赔付款已到账")
    damaged = lifecycle.record_return_visit(damaged, actor=kefu, now=wall.at("2026-03-11 15:00"), satisfied=True,
                                            conversation="货主确认收到赔付，满意")
    damaged = lifecycle.sign_off(damaged, actor=network["zhuguan"], now=wall.after(hours=1), note="同意结案")
    damaged = lifecycle.archive(damaged, actor=network["dangan"], now=wall.after(hours=1))

    assert damaged.status == State.ARCHIVED
    assert statuses(damaged) == ["registered", "classified", "assigned", "handling", "solution_agreed", "follow_up",
                                 "satisfied", "signed_off", "archived"]
    assert clocks_met(damaged) == {"first_response": True, "damage_check": True, "resolution": True,
                                   "assist_answer": True, "return_visit": True}
    assert penalty_total(damaged) == 0

    # The late delivery's missed day is the hub's: 紧急's 100 元, on its manager.
    [entry] = fresh(late).penalties.all()
    assert (entry.staff, entry.department.code, entry.amount) == (hub, "hub_sh", Decimal(100))
    assert penalty_total(late) == Decimal(100)


@pytest.mark.parametrize("channel", ["hotline_400", "web_message", "qq", "email"])
def test_p6_a_damaged_goods_complaint_without_its_goods_exception_form_is_refused_by_label_on_every_channel(
        network, channel):
    """货物异常登记 belongs to damaged and missing goods: the pieces affected are required there, through
    the one door, whichever channel the complaint came by — and nothing is written."""
    from kesu.complaints.models import Complaint
    from kesu.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        intake.register(intake.Received(channel, {
            "customer_name": "货主", "customer_phone": "13900139000", "customer_words": "外包装破损",
            "category": "outer_packaging", "extra.waybill_no": "YD1"}), actor=network["kefu"],
            now=at("2026-03-10 10:00"))
    [error] = refused.value.errors
    assert (error.code, error.field_name(), error.field_name("en")) == (
        "required", "受损或短少件数", "Pieces damaged or missing")
    assert not Complaint.objects.exists()
