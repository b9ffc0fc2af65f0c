"""P1 in a real browser (Chromium through Playwright), by clicks, across roles: the agent registers
and routes, the after-sales manager handles, the follow-up specialist records the verdict, the CS
manager signs, the GM reviews, the archive files. Screenshots of the main pages are saved in
test-artifacts/screenshots/ (see docs/screenshots.md)."""

from __future__ import annotations

import pytest

from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from tests.web.browser import Desk, in_browser

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_p1_satisfied_at_first_by_clicks_across_roles(live_server, p1, people):
    base = live_server.url
    seen: dict[str, str] = {}

    def scenario(browser) -> None:  # type: ignore[no-untyped-def]
        agent = Desk(browser, base, "wangkf")
        agent.page.goto(f"{base}/register/")
        agent.page.select_option("select[name=channel]", "phone")
        agent.page.fill("input[name=customer_phone]", "13911112222")
        agent.page.fill("input[name=customer_name]", "马先生")
        agent.page.select_option("select[name=level]", "very_dissatisfied")
        agent.page.select_option("select[name=category]", "repair_quality")
        agent.page.fill("textarea[name=customer_words]", "上周保养后发动机故障灯又亮了，要求免费检修并道歉。")
        agent.page.select_option("select[name=complained_department]", label="售后服务部")
        agent.page.fill("input[name=extra_plate_number]", "京A12345")
        agent.shot("register")
        with agent.page.expect_navigation():
            agent.page.click("main form[method=post] button[type=submit]")
        assert "已登记，投诉编号" in agent.text()
        number = agent.page.url.rstrip("/").rsplit("/", 1)[-1]
        assert "已分派至 售后服务部" in agent.text()  # classified and routed on the same screen

        manager = Desk(browser, base, "lijl")
        manager.page.goto(f"{base}/queue/?q=department")
        assert number in manager.text()
        manager.shot("queue")
        manager.open(number)
        assert "客服经理签字" not in manager.text()  # not his to do
        manager.act("接手处理")
        manager.act("与客户接触", "已致电客户致歉，约定明早检修")
        manager.act("达成初步协议", "免费检修，更换氧传感器，客户同意")
        manager.act("交回处理结果", "检修完成，试车正常")
        manager.shot("detail")

        outsider = Desk(browser, base, "zhaojl")  # the sales manager: not his department
        outsider.open(number)
        assert "没有这条投诉" in outsider.page.content() or outsider.page.title() != f"投诉 {number} · 客诉 Kesu"

        for login, label, text in (("chenhf", "回访：客户满意", "客户表示问题已解决，满意"),
                                   ("zhoujl", "客服经理签字", "同意结案"),
                                   ("zhangzong", "总经理审阅", "已阅"),
                                   ("fengda", "归档", "")):
            desk = Desk(browser, base, login)
            desk.open(number)
            desk.act(label, text)
            assert f"已完成：{label}" in desk.text()
        desk.shot("archived")

        seen["number"] = number

    in_browser(scenario)
    number = seen["number"]
    c = Complaint.objects.get(number=number)
    assert c.status == State.ARCHIVED
    assert list(c.events.exclude(to_status="").values_list("to_status", flat=True)) == [
        "registered", "classified", "assigned", "handling", "solution_agreed", "follow_up", "satisfied",
        "signed_off", "reviewed", "archived"]


def test_p2_tier2_case_with_a_voucher_by_clicks_and_what_each_role_may_not_do(live_server, publish, people):
    from django.utils import timezone

    publish("p2_mall_three_tier", timezone.now())
    base = live_server.url
    seen: dict[str, str] = {}

    def scenario(browser) -> None:  # type: ignore[no-untyped-def]
        agent = Desk(browser, base, "wangkf")
        agent.page.goto(f"{base}/register/")
        agent.page.select_option("select[name=channel]", "walk_in")
        agent.page.fill("input[name=customer_phone]", "13900001111")
        agent.page.fill("input[name=customer_name]", "周女士")
        agent.page.select_option("select[name=level]", "tier1")
        agent.page.select_option("select[name=category]", "exchange")
        agent.page.fill("textarea[name=customer_words]", "电饭煲三天就坏了，柜台不给换，态度恶劣。")
        agent.page.select_option("select[name=complained_department]", label="销售部")
        agent.page.select_option("select[name=location]", label="销售部")  # P2: the store handles its own
        with agent.page.expect_navigation():
            agent.page.click("main form[method=post] button[type=submit]")
        number = agent.page.url.rstrip("/").rsplit("/", 1)[-1]
        assert "已分派至 销售部" in agent.text()

        store = Desk(browser, base, "zhaojl")
        store.open(number)
        store.act("接手处理")
        store.step("提级处理", reason="需厂商鉴定，超出门店权限")
        assert "已完成：提级处理" in store.text()
        store.open(number)  # now the complaint centre's case: the store no longer sees it
        assert "没有这条投诉" in store.page.content() or "Not Found" in store.page.content()

        centre = Desk(browser, base, "zhoujl")
        centre.open(number)
        assert "二级客诉" in centre.text()
        centre.step("提交审批", kind="solution", plan="更换新品并致送礼券")
        centre.step("提交审批", kind="compensation", plan="致送 800 元礼券", compensation_kind="voucher",
                    amount="800")
        centre.act("达成初步协议", "换新并致送礼券")
        assert "尚有 2 项审批未完成" in centre.text()  # the rule holds, whatever the page offered

        gm = Desk(browser, base, "zhangzong")
        # the unread count, live: the two approvals waiting, and P2's crisis alert (a 二级客诉 is a crisis by
        # the preset's crisis.levels, and the GM is on the crisis team)
        assert gm.page.locator("header nav .badge").inner_text(timeout=5000) == "3"
        gm.page.goto(f"{base}/notices/")
        assert f"投诉 {number} 待您审批" in gm.text() and f"危机预警：投诉 {number}" in gm.text()
        gm.shot("notices")
        gm.decide(number)
        gm.decide(number)
        gm.shot("approvals")
        finance = Desk(browser, base, "wucw")
        finance.decide(number, note="列门店公关费用")

        centre.open(number)
        centre.act("达成初步协议", "换新并致送 800 元礼券")
        centre.act("告知客户处理结果", "已为您更换新品，并致送 800 元礼券")
        centre.act("交回处理结果", "顾客已领取新品和礼券")
        follow = Desk(browser, base, "chenhf")
        follow.open(number)
        assert "客服经理签字" not in follow.text()
        follow.act("回访：客户满意", "顾客表示满意")
        centre.open(number)
        centre.act("客服经理签字", "同意结案")
        audit = Desk(browser, base, "zhengjh")
        audit.open(number)
        audit.act("归档")
        assert "已完成：归档" in audit.text()
        audit.shot("p2-archived")
        seen["number"] = number

    in_browser(scenario)
    c = Complaint.objects.get(number=seen["number"])
    assert (c.status, c.level, c.department.code) == (State.ARCHIVED, "tier2", "customer_service")
    assert list(c.approvals.values_list("state", flat=True)) == ["approved", "approved"]


def test_a_help_request_round_trip_by_clicks(live_server, p1, people):
    from django.utils import timezone

    from tests.factories import bring_to

    c = bring_to(State.HANDLING, people, timezone.now())  # the ORM stays outside the browser block
    base, number = live_server.url, c.number

    def scenario(browser) -> None:  # type: ignore[no-untyped-def]
        manager = Desk(browser, base, "lijl")
        manager.open(number)
        manager.step("申请协办", department="配件部", matter="请调拨原厂蓄电池", within="4h")
        assert "已完成：申请协办" in manager.text()
        parts = Desk(browser, base, "xupj")  # the helping department opens the case it was asked about
        parts.open(number)
        assert "请调拨原厂蓄电池" in parts.text()
        parts.step("协办回复", answer="蓄电池已送至维修车间")
        assert "已完成：协办回复" in parts.text()

    in_browser(scenario)
    a = Complaint.objects.get(number=number).assists.get()
    assert (a.answered_by, a.answer) == (people["xupj"], "蓄电池已送至维修车间")


def test_a_caller_found_by_the_header_search_box_and_two_cases_assigned_at_once(live_server, p1, people):
    """「我上周投诉过漏水的事，怎么还没人来？」: the agent types 漏水 in the header's box, finds the case
    with the word marked, then ticks two classified cases in the queue and assigns both at once."""
    from django.utils import timezone

    from tests.factories import bring_to, register

    leak = register(people, timezone.now(), customer_words="上周投诉过漏水的事，怎么还没人来？")
    first = bring_to(State.CLASSIFIED, people, timezone.now())
    second = bring_to(State.CLASSIFIED, people, timezone.now())
    base = live_server.url

    def scenario(browser) -> None:  # type: ignore[no-untyped-def]
        agent = Desk(browser, base, "wangkf")
        agent.page.fill("form.find input[name=q]", "漏水")
        with agent.page.expect_navigation():
            agent.page.press("form.find input[name=q]", "Enter")
        assert leak.number in agent.text()
        assert agent.page.locator("mark", has_text="漏水").count() >= 1
        agent.shot("search")
        agent.page.goto(f"{base}/queue/?q=all&status=classified")
        for number in (first.number, second.number):
            agent.page.check(f"input[name=c][value='{number}']")
        agent.page.select_option("form.bulk select[name=step]", "assign")
        agent.page.select_option("form.bulk select[name=department]", "after_sales")
        agent.page.fill("form.bulk input[name=text]", "批量分派给售后")
        with agent.page.expect_navigation():
            agent.page.click("form.bulk button[type=submit]")
        assert "已完成 2 条" in agent.text()

    in_browser(scenario)
    assert {c.status for c in Complaint.objects.filter(pk__in=[first.pk, second.pk])} == {State.ASSIGNED}
