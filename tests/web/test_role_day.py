"""Each role's day in the P1 demo, in Chromium (issue 13, item 9): the CS agent registers a call by
keyboard; the after-sales manager takes it on, asks for a compensation (a wrong amount first, kept
in its form) and hands back the result; the GM and finance approve; the follow-up specialist
records the return visit; the customer rates it online; the CS manager signs; the GM reviews; the
archive files it; the auditor reads it. Screenshots of every role's main screens are saved as
day-*.png into test-artifacts/screenshots/, or into the committed docs/screenshots/ with
KESU_REFRESH_SCREENSHOTS=1 (docs/screenshots.md) — looked at by a person before a release."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from kesu.org.models import Department
from tests.web.browser import Desk, Keys, in_browser, shown_shots
from tests.web.pictures import png

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
WIDTH = 1280


def desk(browser, base: str, login: str) -> Desk:  # type: ignore[no-untyped-def]
    return Desk(browser, base, login, width=WIDTH, shots=shown_shots())


def test_each_roles_day_of_the_p1_demo_in_the_browser_with_screenshots(live_server, p1, people, tmp_path):
    from kesu.ops.demo import load_demo_complaints
    from tests.factories import register

    load_demo_complaints(people, timezone.now())  # a working day's queues around the new case
    register(people, timezone.now(), customer_phone="13911112222", customer_name="马先生", product_name="轿车",
             product_model="雅阁 2024 款", extra={"plate_number": "京A12345"})
    photo = tmp_path / "故障灯.png"
    photo.write_bytes(png(240, 160, (220, 120, 30)))
    base = live_server.url
    after_sales = str(Department.objects.get(code="after_sales").pk)
    seen: dict[str, str] = {}

    def morning(browser) -> None:  # type: ignore[no-untyped-def]
        agent = desk(browser, base, "wangkf")
        agent.page.goto(f"{base}/register/")
        agent.page.fill("textarea[name=customer_words]", "x")  # a first try sent too early: errors beside fields
        agent.page.fill("input[name=customer_phone]", "12345")
        with agent.page.expect_navigation():
            agent.page.click("form.one-screen button[type=submit]")
        assert "字段「客户电话」" in agent.text()
        agent.shot("day-1-agent-register-errors")
        agent.page.goto(f"{base}/register/")
        keys = Keys(agent.page)
        keys.send("phone", "13911112222")
        keys.type("customer_words", "上周保养后发动机故障灯又亮了，这已经是第二次了，要求免费检修并道歉。")
        keys.tick("demands", "repair", "apology")
        keys.choose("category", "repair_quality")
        keys.choose("complained_department", after_sales)
        keys.choose("level", "very_dissatisfied")
        fold = agent.page.locator("form.one-screen details")
        if fold.get_attribute("open") is None:
            fold.locator("summary").click()
        agent.page.set_input_files("input[name=files]", str(photo))  # the photo the customer sent
        expect(agent.page.locator("#id_department option").first).to_have_text("售后服务部（按分派规则）")
        agent.shot("day-1-agent-register")
        keys.send(keys.focused(), key="Control+Enter")
        assert "已分派至 售后服务部" in agent.text()
        number = agent.page.url.rstrip("/").rsplit("/", 1)[-1]
        agent.shot("day-1-agent-registered")

        manager = desk(browser, base, "lijl")
        manager.page.goto(f"{base}/queue/?q=department")
        assert number in manager.text()
        manager.shot("day-2-manager-queue")
        manager.open(number)
        manager.act("接手处理")
        manager.act("与客户接触", "已致电客户致歉，约定明早九点到店检修")
        manager.step("提交审批", kind="compensation", plan="免费检修并补偿两天代步车费用", compensation_kind="cash",
                     amount="八百")
        assert "字段「金额（元）」" in manager.text()
        manager.shot("day-2-manager-step-refused")
        manager.step("提交审批", amount="300")  # the form kept the rest of what was typed
        assert "已完成：提交审批" in manager.text()

        gm = desk(browser, base, "zhangzong")
        gm.page.goto(f"{base}/approvals/")
        assert number in gm.text()
        gm.shot("day-3-gm-approvals")
        gm.decide(number)
        finance = desk(browser, base, "wucw")
        finance.decide(number, note="列售后服务部费用")

        manager.open(number)
        manager.act("达成初步协议", "免费检修、更换氧传感器，补偿代步车费用 300 元，客户同意")
        manager.act("交回处理结果", "检修完成，试车正常，补偿已支付")
        manager.shot("day-2-manager-detail")

        follow = desk(browser, base, "chenhf")
        follow.open(number)
        follow.act("回访：客户满意", "客户表示问题已解决，对处理满意")
        assert "已完成：回访：客户满意" in follow.text()
        seen["number"] = number

    in_browser(morning)
    from kesu.portal.services import rating_token

    number = seen["number"]
    token = rating_token(Complaint.objects.get(number=number))

    def afternoon(browser) -> None:  # type: ignore[no-untyped-def]
        customer = browser.new_page(viewport={"width": 420, "height": 800}, locale="zh-CN")  # on the phone
        customer.goto(f"{base}/portal/rate/{token}/")
        customer.check("input[name=score][value='4']")
        customer.fill("textarea[name=comment]", "处理及时，师傅很专业，就是等了一会儿")
        with customer.expect_navigation():
            customer.click("main button[type=submit]")
        assert "感谢您的评价" in customer.inner_text("main")
        customer.screenshot(path=str(shown_shots() / "day-4-customer-rated.png"), full_page=True)

        cs_manager = desk(browser, base, "zhoujl")
        cs_manager.open(number)
        assert "4 / 5 分" in cs_manager.text()  # the score, not only the comment
        cs_manager.act("客服经理签字", "同意结案")
        cs_manager.page.goto(f"{base}/dashboard/")
        cs_manager.shot("day-4-cs-manager-dashboard")

        gm = desk(browser, base, "zhangzong")
        gm.open(number)
        gm.act("总经理审阅", "已阅，注意同类问题复发")
        gm.shot("day-5-gm-reviewed")

        archive = desk(browser, base, "fengda")
        archive.open(number)
        archive.act("归档")
        assert "已完成：归档" in archive.text()
        auditor = desk(browser, base, "zhengjh")
        auditor.open(number)
        assert "139****2222" in auditor.text() and "13911112222" not in auditor.text()
        auditor.shot("day-6-auditor-archived")

    in_browser(afternoon)
    c = Complaint.objects.get(number=number)
    assert c.status == State.ARCHIVED
    assert list(c.events.exclude(to_status="").values_list("to_status", flat=True)) == [
        "registered", "classified", "assigned", "handling", "solution_agreed", "follow_up", "satisfied",
        "signed_off", "reviewed", "archived"]
    assert c.approvals.get().amount == 300
    assert list(c.attachments.values_list("name", flat=True)) == ["故障灯.png"]
