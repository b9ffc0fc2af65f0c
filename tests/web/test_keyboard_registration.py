"""Registration for the phone (issue 13): a CS agent registers, classifies and routes a typical
complaint in one screen with the keyboard alone, in at most 8 actions — a phone call from a customer
who called before, a new customer at the counter, a letter with its scan. Chromium through
Playwright; the mouse is never used.

How the actions are counted (tests.web.browser.Keys): one action is filling one field — typing its
value, choosing its option with the arrow keys, or ticking its boxes with the arrows and Space —
together with the Tab that leaves it; one Tab passing over a field left as proposed; one Enter or
Ctrl+Enter that sends a form (the phone lookup, the registration); attaching a file (the file
dialog counts as one action). Opening the registration screen is not counted. Before every action
the test checks which field the keyboard is in, so no field is reached by a click."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from kesu.org.models import Department
from tests.factories import register
from tests.web.browser import Desk, Keys, in_browser

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
MOST = 8


def test_a_phone_call_from_a_customer_who_called_before_is_registered_and_routed_in_at_most_8_actions(
        live_server, p1, people):
    register(people, timezone.now(), customer_phone="13911112222", customer_name="马先生", product_name="轿车",
             product_model="雅阁 2024 款", extra={"plate_number": "京A12345"})
    after_sales = str(Department.objects.get(code="after_sales").pk)
    counted: dict[str, object] = {}

    def scenario(browser) -> None:  # type: ignore[no-untyped-def]
        agent = Desk(browser, live_server.url, "wangkf")
        agent.page.goto(f"{live_server.url}/register/")
        keys = Keys(agent.page)
        keys.send("phone", "13911112222")  # the lookup fills name, product, plate from the last call
        keys.type("customer_words", "上周保养后发动机故障灯又亮了，要求免费检修并道歉。")
        keys.tick("demands", "repair", "apology")
        keys.choose("category", "repair_quality")
        keys.choose("complained_department", after_sales)
        keys.choose("level", "very_dissatisfied")
        proposed = agent.page.locator("#id_department option").first
        expect(proposed).to_have_text("售后服务部（按分派规则）")  # the routing rule's department, proposed
        keys.send(keys.focused(), key="Control+Enter")
        assert "已分派至 售后服务部" in agent.text()
        counted.update(actions=keys.actions, number=agent.page.url.rstrip("/").rsplit("/", 1)[-1])

    in_browser(scenario)
    assert len(counted["actions"]) <= MOST, counted["actions"]  # type: ignore[arg-type]
    c = Complaint.objects.get(number=counted["number"])
    assert (c.channel, c.status, c.level, c.category, c.department.code) == (
        "phone", State.ASSIGNED, "very_dissatisfied", "repair_quality", "after_sales")
    assert (c.customer_name, c.product_model, c.extra["plate_number"]) == ("马先生", "雅阁 2024 款", "京A12345")
    assert c.demands == ["repair", "apology"]


def test_a_new_customer_at_the_counter_is_registered_and_routed_in_at_most_8_actions(live_server, p1, people):
    sales = str(Department.objects.get(code="sales").pk)
    counted: dict[str, object] = {}

    def scenario(browser) -> None:  # type: ignore[no-untyped-def]
        agent = Desk(browser, live_server.url, "wangkf")
        agent.page.goto(f"{live_server.url}/register/?channel=walk_in")
        keys = Keys(agent.page)
        keys.send("phone", "13600007777")  # nobody known by this phone: the cursor waits at the name
        keys.type("customer_name", "林女士")
        keys.type("customer_words", "提车时承诺的脚垫和行车记录仪都没给，销售顾问不接电话。")
        keys.tick("demands", "explanation")
        keys.choose("category", "sales_promise")
        keys.choose("complained_department", sales)
        keys.send("level", key="Control+Enter")  # 不满意, the policy's first level, as proposed
        assert "已分派至 销售部" in agent.text()
        counted.update(actions=keys.actions, number=agent.page.url.rstrip("/").rsplit("/", 1)[-1])

    in_browser(scenario)
    assert len(counted["actions"]) <= MOST, counted["actions"]  # type: ignore[arg-type]
    c = Complaint.objects.get(number=counted["number"])
    assert (c.channel, c.customer_name, c.customer_phone, c.level, c.department.code, c.owner.username) == (
        "walk_in", "林女士", "13600007777", "dissatisfied", "sales", "zhaojl")
    assert c.clocks.get(code="first_response").target == "10m"  # 现场 10 分钟内接触


def test_a_letter_with_its_scan_is_registered_and_routed_in_at_most_8_actions(live_server, db, people, tmp_path):
    from kesu.core.policy.io import PRESETS_DIR
    from kesu.policies.services import import_and_publish

    text = (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8")
    text = text.replace("channels: [phone, walk_in, suggestion_box, web, internal]",
                        "channels: [phone, walk_in, letter, suggestion_box, web, internal]")
    import_and_publish(text=text, actor=None, now=timezone.now())  # a dealership that answers letters too
    scan = tmp_path / "来信扫描.pdf"
    scan.write_bytes(b"%PDF-1.4 a scanned letter")
    after_sales = str(Department.objects.get(code="after_sales").pk)
    counted: dict[str, object] = {}

    def scenario(browser) -> None:  # type: ignore[no-untyped-def]
        agent = Desk(browser, live_server.url, "wangkf")
        agent.page.goto(f"{live_server.url}/register/?channel=letter")
        keys = Keys(agent.page)  # a letter: the cursor starts at the sender's name
        keys.type("customer_name", "吴先生")
        keys.type("customer_words", "来信反映：三月五日维修后车辆仍有异响，要求重新检修并给出书面说明。")
        keys.attach("files", str(scan))
        keys.tick("demands", "repair", "explanation")
        keys.choose("category", "repair_quality")
        keys.choose("complained_department", after_sales)
        keys.send("level", key="Control+Enter")
        assert "已分派至 售后服务部" in agent.text()
        counted.update(actions=keys.actions, number=agent.page.url.rstrip("/").rsplit("/", 1)[-1])

    in_browser(scenario)
    assert len(counted["actions"]) <= MOST, counted["actions"]  # type: ignore[arg-type]
    c = Complaint.objects.get(number=counted["number"])
    assert (c.channel, c.customer_name, c.status, c.department.code) == ("letter", "吴先生", State.ASSIGNED,
                                                                          "after_sales")
    assert list(c.attachments.values_list("name", flat=True)) == ["来信扫描.pdf"]
