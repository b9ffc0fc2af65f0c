"""Headers that keep personal data out of caches and injected code out of pages (issue 15):
a Content-Security-Policy on every page that runs no inline script (Kesu's pages need none, and a
real browser reports no violation on them), HSTS by a setting, and Cache-Control: no-store on
every page, export, PDF and API answer that carries a customer's data."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.authtoken.models import Token

from kesu.core.lifecycle import State
from kesu.web.security import CSP
from tests.factories import bring_to

pytestmark = pytest.mark.django_db
KESU = Path(__file__).resolve().parents[2] / "kesu"
PHONE = "13911112222"


@pytest.fixture
def case(p1, people):
    return bring_to(State.HANDLING, people, timezone.now(), customer_phone=PHONE,
                    customer_words="<script>alert('客户原话')</script> 价格<100元 A&B")


@pytest.fixture
def staff(people) -> Client:
    client = Client()
    client.force_login(people["zhoujl"])
    return client


def test_every_kind_of_page_carries_a_policy_that_runs_no_inline_script(case, staff):
    pages = [staff.get(u) for u in ("/queue/", f"/c/{case.number}/", "/penalties/", "/dashboard/", "/register/")]
    sysadmin = Client()  # the admin is for system administrators only (issue 14)
    sysadmin.force_login(case.receiver.__class__.objects.get(username="admin"))
    pages.append(sysadmin.get("/admin/"))
    pages += [Client().get(u) for u in ("/login/", "/portal/", "/portal/complain/", "/portal/track/")]
    for response in pages:
        assert response.status_code == 200, response.request["PATH_INFO"]
        policy = response["Content-Security-Policy"]
        assert policy == CSP
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_no_template_or_view_of_kesu_holds_inline_script_a_handler_or_a_style_attribute():
    script = r"<script(?![^>]*\bsrc=)[^>]*>|javascript:"
    in_html = re.compile(script + r"|<[^>]*\s(on[a-z]+|style)\s*=[^>]*>", re.I)  # onchange=…, style=…
    in_python = re.compile(script + r"|<[a-z][^>]*\s(on[a-z]+|style)=[^>]*>", re.I)  # HTML built in a view
    found = [f"{p.relative_to(KESU)}: {m.group()}"
             for pattern, files in ((in_html, KESU.rglob("*.html")), (in_python, KESU.rglob("*.py")))
             for p in files if "migrations" not in p.parts
             for m in pattern.finditer(p.read_text(encoding="utf-8"))]
    assert found == []


def test_the_api_docs_page_alone_may_run_its_inline_set_up(staff):
    docs = staff.get("/api/docs/")
    assert "'unsafe-inline'" in docs["Content-Security-Policy"]
    assert "'unsafe-inline'" not in staff.get("/api/v1/complaints/")["Content-Security-Policy"]


def _no_store(response) -> bool:  # type: ignore[no-untyped-def]
    return "no-store" in response.get("Cache-Control", "") and "private" in response.get("Cache-Control", "")


def test_pages_exports_pdfs_and_the_api_with_personal_data_are_never_stored(case, staff, people):
    token, _ = Token.objects.get_or_create(user=people["zhoujl"])
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    responses = {
        "detail": staff.get(f"/c/{case.number}/"),
        "queue": staff.get("/queue/"),
        "ledger export": staff.get("/penalties/?format=xlsx"),
        "report export": staff.get("/reports/?format=xlsx"),
        "printed form": staff.get(f"/c/{case.number}/print/record-card/"),
        "API detail": api.get(f"/api/v1/complaints/{case.number}/"),
        "API list": api.get("/api/v1/complaints/"),
        "admin": staff.get("/admin/"),
    }
    customer = Client()
    customer.post("/portal/track/", {"number": case.number, "phone": PHONE})
    responses["portal tracking"] = customer.get("/portal/track/")
    assert case.number in responses["portal tracking"].content.decode()
    assert {name: _no_store(r) for name, r in responses.items()} == {name: True for name in responses}


def test_static_files_keep_their_cache(client):
    response = client.get("/static/kesu/app.css")
    assert response.status_code == 200 and "no-store" not in response.get("Cache-Control", "")


def test_hsts_is_a_setting_sent_over_https_only(settings):
    assert "Strict-Transport-Security" not in Client().get("/login/", secure=True)  # off until HTTPS is set up
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    client = Client()  # middleware reads its settings when a handler is built
    assert client.get("/login/", secure=True)["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/login/")


CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_browser_reports_no_policy_violation_and_the_language_menu_still_works(live_server, case, people):
    from playwright.sync_api import sync_playwright

    people["zhoujl"].set_password("pw-for-the-browser")
    people["zhoujl"].save()
    assert shutil.which(CHROMIUM), "Chromium is not installed: the test command (scripts/test.sh) installs it"
    base, number = live_server.url, case.number
    violations: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
            page.add_init_script("document.addEventListener('securitypolicyviolation', e => console.error("
                                 "'Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI))")
            for url in ("/portal/", "/portal/complain/", "/portal/track/"):
                page.goto(base + url)
            page.goto(f"{base}/login/")
            page.fill("input[name=username]", "zhoujl")
            page.fill("input[name=password]", "pw-for-the-browser")
            page.click("button[type=submit]")
            page.wait_for_url("**/queue/**")
            for url in (f"/c/{number}/", "/approvals/", "/dashboard/", "/penalties/", "/admin/", "/api/docs/",
                        "/queue/"):
                page.goto(base + url)
                page.wait_for_load_state("networkidle")
            with page.expect_navigation():
                page.select_option("form.lang select", "en")  # the menu sends itself: script from a file
            english = page.content()
            own_pages = list(violations)
            # an attacker's inline script, slipped into a page, is blocked — and reported, so the
            # listener above would have seen any violation of Kesu's own pages
            page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.pwned = 1';"
                          " document.body.appendChild(s); }")
            page.wait_for_timeout(300)
            pwned = page.evaluate("() => window.pwned === 1")
        finally:
            browser.close()
    assert own_pages == []
    assert "Sign out" in english
    assert pwned is False and any("script-src" in v for v in violations[len(own_pages):])


def test_the_never_cache_headers_are_djangos_own_whether_the_view_set_cache_headers_or_not():
    import time as clock

    from django.http import HttpResponse
    from django.utils.cache import add_never_cache_headers

    from kesu.web.security import SecurityHeadersMiddleware

    for view_sets in ({}, {"Cache-Control": "public, max-age=60"}, {"Expires": "Thu, 01 Jan 2099 00:00:00 GMT"}):
        def view(request, view_sets=view_sets):  # type: ignore[no-untyped-def]
            response = HttpResponse("x")
            for name, value in view_sets.items():
                response.headers[name] = value
            return response

        while clock.time() % 1 > 0.9:  # not across a second's edge: both Expires in the same second
            clock.sleep(0.02)
        ours = SecurityHeadersMiddleware(view)(RequestFactory().get("/api/v1/complaints/"))
        djangos = view(None)
        add_never_cache_headers(djangos)
        assert (ours["Cache-Control"], ours["Expires"]) == (djangos["Cache-Control"], djangos["Expires"]), view_sets
