"""P2 (seed 002, mall three-tier policy): a complaint at the store's counter starts as 一级 with the
store; it turns out to need the back office and is raised to 二级, which the policy sends to the
complaint centre (二级处理单位). The GM approves the solution, an 800 元 gift voucher (礼券) goes
through the GM's threshold and the finance review, charged to the originating store's PR expense;
the customer is told, the return visit finds them satisfied, the CS manager signs, audit files it.
Resolved within one day: no clock breached."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kesu.complaints import lifecycle
from kesu.core.errors import TransitionRefused
from kesu.core.lifecycle import State
from kesu.core.registration import RegistrationInput
from kesu.org.models import Department
from kesu.workflow import services as workflow
from kesu.workflow.models import Approval
from tests.scenarios.conftest import Wall, at, clocks_met, fresh, penalty_total, statuses, timeline

pytestmark = pytest.mark.django_db


def test_p2_tier2_case_with_a_gift_voucher_through_finance(publish, people):
    wall = Wall(at("2026-03-10 10:00"))
    publish("p2_mall_three_tier", wall.now)
    store = Department.objects.get(code="sales")  # the store where it happened
    agent = people["wangkf"]

    c = lifecycle.register_complaint(actor=agent, now=wall.now, location=store, data=RegistrationInput(
        channel="walk_in", customer_words="买的电饭煲三天就坏了，柜台不给换，还态度恶劣。", customer_name="周女士",
        customer_phone="13900001111", demands=("exchange", "apology"), extra={"counter": "3 楼家电"}))
    c = lifecycle.classify(c, actor=agent, now=wall.after(minutes=5), level="tier1", category="exchange",
                           validity="valid")
    c = lifecycle.assign(c, actor=agent, now=wall.after(minutes=5))  # 一级 → the store (一级处理单位)
    assert (c.department, c.owner) == (store, people["zhaojl"])
    c = lifecycle.accept(c, actor=people["zhaojl"], now=wall.after(minutes=10))

    # Beyond the store's authority: the manufacturer must be involved → 二级, the complaint centre.
    c = workflow.raise_level(c, actor=people["zhaojl"], now=wall.after(minutes=20),
                             reason="需厂商鉴定，超出门店权限")
    assert c.level == "tier2" and c.department.code == "customer_service" and c.owner == people["zhoujl"]
    owner_change = c.events.get(kind="raise_level").changes
    assert owner_change["owner_id"] == [people["zhaojl"].pk, people["zhoujl"].pk]

    cs_manager = people["zhoujl"]
    c = lifecycle.record_contact(c, actor=cs_manager, now=wall.after(minutes=10), note="向顾客致歉并说明处理安排")
    solution = workflow.request_approval(c, actor=cs_manager, now=wall.after(minutes=5), kind="solution",
                                         plan="为顾客更换新品，并致送礼券以示歉意")
    voucher = workflow.request_approval(c, actor=cs_manager, now=wall.after(minutes=1), kind="compensation",
                                        compensation_kind="voucher", amount="800", plan="致送 800 元礼券")
    assert (voucher.approver_role, voucher.finance_review, voucher.charge_to) == ("gm", True, store)
    assert voucher.threshold_label == "总经理核准，财会部审核"

    with pytest.raises(TransitionRefused, match="总经理"):  # the store manager's limit is 500 元
        workflow.decide_approval(voucher, actor=people["zhaojl"], now=wall.now, approve=True)
    gm = people["zhangzong"]
    workflow.decide_approval(solution, actor=gm, now=wall.after(minutes=30), approve=True, note="同意")
    workflow.decide_approval(voucher, actor=gm, now=wall.after(minutes=1), approve=True, note="同意")
    with pytest.raises(TransitionRefused, match="尚有 1 项审批未完成"):  # finance has not reviewed the voucher
        lifecycle.agree_solution(fresh(c), actor=cs_manager, now=wall.now, plan="换新并致送礼券")
    workflow.finance_review(voucher, actor=people["wucw"], now=wall.after(hours=1), approve=True,
                            note="列门店公关费用")
    assert Approval.objects.get(pk=voucher.pk).state == "approved"

    c = lifecycle.agree_solution(fresh(c), actor=cs_manager, now=wall.after(minutes=10), plan="换新并致送 800 元礼券")
    c = workflow.inform_customer(c, actor=cs_manager, now=wall.after(minutes=5),
                                 message="已为您更换新品，并致送 800 元礼券，请至服务台领取")
    c = lifecycle.return_result(c, actor=cs_manager, now=wall.after(hours=2), result="顾客已领取新品和礼券")
    c = lifecycle.record_return_visit(c, actor=people["chenhf"], now=wall.after(hours=1), satisfied=True,
                                      conversation="顾客表示满意")
    c = lifecycle.sign_off(c, actor=cs_manager, now=wall.after(minutes=30))
    c = lifecycle.archive(c, actor=people["zhengjh"], now=wall.after(hours=1))  # P2: no GM review; audit files

    assert c.status == State.ARCHIVED
    assert statuses(c)[-3:] == ["satisfied", "signed_off", "archived"]
    assert clocks_met(c) == {"first_response": True, "resolution": True}
    assert penalty_total(c) == Decimal(0)
    assert timeline(c).count("approval_decided") == 2 and "finance_reviewed" in timeline(c)
