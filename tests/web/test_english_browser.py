"""In a real browser (Chromium through Playwright): a person switches to English from the language
menu and the header reads as English — one brand, the menu their role opens, the countdowns in
English words — and a customer reads the portal's notice with the company, its hotline and the
promises in English, then back in Chinese."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta

import pytest
from django.utils import timezone

from kesu.core.lifecycle import State
from tests.factories import bring_to

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
CJK = re.compile(r"[\u3400-\u9fff]")


def test_the_english_header_and_the_portal_notice_in_a_real_browser(live_server, p1, people):
    from playwright.sync_api import sync_playwright

    bring_to(State.ASSIGNED, people, timezone.now() - timedelta(minutes=1))  # a running clock to count down
    people["lijl"].set_password("pw-for-the-browser")
    people["lijl"].save()
    assert shutil.which(CHROMIUM), "Chromium is not installed: the test command (scripts/test.sh) installs it"
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.goto(f"{base}/login/")
            page.fill("input[name=username]", "lijl")
            page.fill("input[name=password]", "pw-for-the-browser")
            page.click("button[type=submit]")
            page.wait_for_url("**/queue/**")
            chinese_menu = page.locator("form.lang select option").all_inner_texts()
            with page.expect_navigation():
                page.select_option("form.lang select", "en")
            page.goto(f"{base}/queue/?q=department")
            brand = page.locator("header a.brand").inner_text()
            menu = page.locator("header nav a").all_inner_texts()
            countdown = page.locator("time.countdown").first.inner_text()

            customer = browser.new_page(locale="zh-CN")
            customer.goto(f"{base}/portal/")
            chinese_notice = customer.locator("main").inner_text()
            with customer.expect_navigation():
                customer.select_option("form.lang select", "en")
            english_notice = customer.locator("main").inner_text()
            promises = customer.locator("table.commitments").inner_text()
        finally:
            browser.close()
    assert chinese_menu == ["中文", "English"]
    assert brand == "Kesu"
    assert [m.strip() for m in menu][:3] == ["Work queue", "Register a complaint", "My approvals"]
    # a manager: cases, their own report, their people's absences
    assert menu[3].startswith("Notices") and menu[4:] == ["Case library", "Reports", "Absences"]
    assert not any(CJK.search(m) for m in menu)
    assert re.search(r"\((\d+ d )?(\d+ h )?\d+ min (left|late)\)", countdown), countdown
    assert "示例汽车销售服务有限公司" in chinese_notice and "400-800-1234" in chinese_notice
    assert "Example Auto Sales & Service Co., Ltd." in english_notice and "400-800-1234" in english_notice
    assert "88 Example Road" in english_notice
    assert "First contact with you" in promises and "minutes" in promises
    assert "progress call" not in promises.lower() and not CJK.search(promises)
