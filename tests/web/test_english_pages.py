"""Complete English and clean Chinese (issue 13): every staff page and every portal page, rendered
in English for the demo organisation with a complaint in each state, holds no Chinese but the
data people entered (the customer's words, names, departments, notes), and no page in either
language shows a raw code (a state, a role, @complained, 20m) where a label belongs."""

from __future__ import annotations

import re
from html import unescape
from pprint import pformat

import pytest
from django.conf import settings
from django.test import Client

from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.core.lifecycle import EVENTS, SYSTEM_EVENTS, State
from kesu.core.roles import ROLE_CODES
from kesu.org.models import Department, Staff
from kesu.portal import services as portal

CJK = re.compile(r"[\u3001-\u303f\u3400-\u9fff\uff00-\uffef]+")  # not U+3000, the ideographic space
HAN = re.compile(r"[\u3400-\u9fff]")
ATTRIBUTES = re.compile(r'\b(?:placeholder|title|aria-label|alt)="([^"]*)"')
SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S)
LANGUAGE_MENU = re.compile(r'<form class="lang".*?</form>', re.S)  # each language named in itself: 中文 / English
TAG = re.compile(r"<[^>]+>")
# Codes a reader must never see: states, roles, events, routing references, policy durations.
CODES = ({s.value for s in State} | set(ROLE_CODES) | set(EVENTS) | set(SYSTEM_EVENTS)) - {
    # single plain words a sentence may use in their ordinary sense ("Handling", "a note")
    "registered", "classified", "assigned", "handling", "satisfied", "reopened", "reviewed", "archived",
    "objected", "staff", "handler", "finance", "auditor", "archivist", "legal", "hr", "note", "review",
    "accept", "assign", "classify", "archive", "object", "edited", "reopen", "transfer"}
RAW = re.compile(r"(?<![\w./-])(?:" + "|".join(sorted(map(re.escape, CODES), key=len, reverse=True))
                 + r"|@complained|@location|@receiver|\d+[dhm](?:\d+[hm])*)(?![\w/-])")


def visible_text(html: str) -> str:
    """What a reader sees or hears of a page: its text and the attributes read aloud or shown."""
    html = LANGUAGE_MENU.sub(" ", SCRIPT.sub(" ", html))
    said = " ".join(ATTRIBUTES.findall(html))
    return unescape(TAG.sub(" ", html) + " " + said)


def user_data() -> list[str]:
    """What people entered, in the language they entered it: never translated, never a failure."""
    out: list[str] = []
    for c in Complaint.objects.all():
        out += [c.customer_words, c.customer_name, c.customer_region, c.occurred_place, c.product_name,
                c.customer_ref, *(str(v) for v in (c.extra or {}).values())]
    for e in ComplaintEvent.objects.all():
        out.append(e.reason)
        out += [str(v) for pair in (e.changes or {}).values() for v in (pair if isinstance(pair, list) else [pair])]
    # A notice's parameters are what the step said (the plan, a note): people's words. The policy's
    # names in them (clock, level, what is asked, the threshold) carry their English beside them
    # (clock_en, what_en …), which an English reader reads (tests/notifications/test_notices_people_read).
    from kesu.notifications.models import Notification

    out += [str(v) for params in Notification.objects.values_list("params", flat=True) for v in (params or {}).values()]
    out += list(Staff.objects.values_list("display_name", flat=True))
    out += list(Department.objects.values_list("name", flat=True))
    return [x for x in out if x]


def chinese_left(html: str, data: list[str]) -> list[str]:
    """Chinese on the page that is not people's data: their texts are taken out first; what remains
    must be part of one of them (a masked name, a snippet) — Chinese punctuation alone never is."""
    text = visible_text(html)
    for d in sorted(data, key=len, reverse=True):
        text = text.replace(d, " ")
    text = re.sub(r"\s+", " ", text)
    left = {m.group() for m in CJK.finditer(text) if not HAN.search(m.group()) or not any(m.group() in d for d in data)}
    return sorted(f"{run} in «{text[max(0, text.find(run) - 40):text.find(run) + 40]}»" for run in left)


def raw_codes(html: str) -> list[str]:
    """Codes shown where a label belongs; an input's example of what to type (e.g. 24h) is not one."""
    text = re.sub(r"\(e\.g\.[^)]*\)|（如[^）]*）", " ", visible_text(html))
    return sorted(set(RAW.findall(text)))


@pytest.fixture
def demo(p1, people, now, monkeypatch):
    """The demo organisation, its group and two stores (F16: units have English names too), with one
    complaint in each state of the demo's plan."""
    from kesu.ops import demo as demo_data

    monkeypatch.setattr(demo_data, "TARGETS", [(state, 1) for state, _ in demo_data.TARGETS])
    people = demo_data.load_demo_units(people, now)
    demo_data.load_demo_complaints(people, now)
    return people


def english(staff: Staff | None = None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if staff is not None:
        client.force_login(staff)
    return client


def staff_pages(client: Client) -> list[str]:
    queue = client.get("/queue/?q=all").content.decode()
    nav = re.search(r"<nav>(.*?)</nav>", queue, re.S)
    assert nav
    pages = re.findall(r'href="(/[^"]*)"', nav.group(1))
    numbers = re.findall(r'href="/c/(\w+)/"', queue)
    pages += ["/queue/?q=all", "/search/?q=%E4%BF%9D%E5%85%BB", "/approvals/", "/notices/"]
    pages += [f"/c/{n}/" for n in numbers] + [f"/c/{n}/history/" for n in numbers[:3]]
    return [p for p in dict.fromkeys(pages) if not p.startswith("/admin/")]


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["wangkf", "lijl", "zhoujl", "zhangzong", "wucw", "fengda", "admin"])
def test_every_staff_page_in_english_holds_no_chinese_but_peoples_data_and_no_raw_code(demo, login):
    client = english(demo[login])
    data = user_data()
    failures = {}
    for page in staff_pages(client):
        response = client.get(page)
        assert response.status_code == 200, f"{page}: {response.status_code}"
        html = response.content.decode()
        left, codes = chinese_left(html, data), raw_codes(html)
        if left or codes:
            failures[page] = {"chinese": left, "codes": codes}
    assert failures == {}, pformat(failures, width=200)


@pytest.mark.django_db
def test_the_portal_in_english_holds_no_chinese_but_the_customers_own_words(demo, now):
    c = Complaint.objects.filter(status=State.FOLLOW_UP).first()
    assert c is not None
    c.customer_phone = "13812345678"  # the demo's phones are random: give this one a known one
    c.save(update_fields=["customer_phone"])
    data = user_data()
    client = english()
    pages = {"/portal/": client.get("/portal/"), "/portal/complain/": client.get("/portal/complain/")}
    client.post("/portal/track/", {"what": "find", "number": c.number, "phone": "13812345678"})
    pages["/portal/track/"] = client.get("/portal/track/")
    rated = Complaint.objects.filter(status=State.SATISFIED).first()
    pages["/portal/rate/"] = client.get(f"/portal/rate/{portal.rating_token(rated)}/")
    pages["/portal/nowhere/"] = client.get("/portal/nowhere/")
    assert "Follow-up" in pages["/portal/track/"].content.decode()
    failures = {}
    for name, response in pages.items():
        html = response.content.decode()
        left, codes = chinese_left(html, data), raw_codes(html)
        if left or codes:
            failures[name] = {"chinese": left, "codes": codes}
    assert failures == {}, pformat(failures, width=200)


@pytest.mark.django_db
def test_the_chinese_pages_show_labels_not_codes(demo):
    client = Client()
    client.force_login(demo["zhoujl"])
    found = {page: raw_codes(client.get(page).content.decode()) for page in staff_pages(client)}
    assert {page: codes for page, codes in found.items() if codes} == {}
    policy = client.get("/policy/").content.decode()
    assert "20分钟" in policy and "12小时" in policy and "被投诉部门" in policy and "部门经理" in policy


@pytest.mark.django_db
def test_the_header_and_the_language_menu_name_each_language_in_itself(demo):
    zh = Client()
    zh.force_login(demo["wangkf"])
    page = zh.get("/queue/").content.decode()
    assert ">中文</option>" in page and ">English</option>" in page and "英语" not in page
    en = english(demo["wangkf"]).get("/queue/").content.decode()
    assert re.search(r'class="brand"[^>]*>Kesu</a>', en) and "Kesu Kesu" not in en
    assert ">中文</option>" in en and ">English</option>" in en


@pytest.mark.django_db
@pytest.mark.parametrize("lang, words", [("zh-hans", "您要找的页面不存在"), ("en", "The page does not exist")])
def test_an_unknown_address_answers_a_404_page_in_the_readers_language(demo, lang, words):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    client.force_login(demo["wangkf"])
    for address in ("/no/such/page/", "/portal/no/such/page/"):
        response = client.get(address)
        html = response.content.decode()
        assert response.status_code == 404 and words in html and "Resolver404" not in html


@pytest.mark.django_db
def test_a_refused_page_answers_403_in_english_with_the_reason(demo):
    response = english(demo["wangkf"]).get("/penalties/")
    html = response.content.decode()
    assert response.status_code == 403 and "may see the penalty ledger" in html
    assert chinese_left(html, user_data()) == []


@pytest.mark.django_db
def test_a_server_error_answers_a_page_of_its_own(rf, settings):
    from django.utils import translation

    from kesu.web.errors import server_error

    with translation.override("en"):
        response = server_error(rf.get("/queue/"))
    assert response.status_code == 500 and "Something went wrong" in response.content.decode()


def test_durations_read_as_words_in_both_languages():
    from kesu.core.policy.durations import Duration

    assert Duration.parse("20m").spoken("zh-hans") == "20分钟"
    assert Duration.parse("12h").spoken("zh-hans") == "12小时"
    assert Duration.parse("1d4h").spoken("zh-hans") == "1天4小时"
    assert Duration.parse("3d").spoken("zh-hans", working=True) == "3个工作日"
    assert Duration.parse("20m").spoken("en") == "20 minutes"
    assert Duration.parse("1d4h").spoken("en") == "1 day 4 hours"
    assert Duration.parse("3d").spoken("en", working=True) == "3 working days"


@pytest.mark.django_db
def test_the_administration_in_english_names_its_models_fields_and_choices_in_english(demo):
    """Admin labels (issue 13 item 7): the index, every list and every add form an administrator
    opens, in English, hold no Chinese but people's data and the policy's own words."""
    from django.contrib import admin

    client = english(demo["admin"])
    data = user_data() + [str(x) for x in Department.objects.values_list("code", flat=True)]
    from django.contrib.auth.models import Group

    from kesu.policies.models import PolicyVersion

    data += [v.name for v in PolicyVersion.objects.all()] + [v.note for v in PolicyVersion.objects.all() if v.note]
    from kesu.org.models import Unit  # a unit's own name in its own column (the lists elsewhere say name_en)

    data += list(Unit.objects.values_list("name", flat=True))
    # the database's own rows: the groups an administrator named (permissions are named from their models)
    data += list(Group.objects.values_list("name", flat=True))
    data += ["中文"]  # a language named in itself (the message templates' language, as the header's menu)
    pages = ["/admin/"]
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        pages.append(f"/admin/{meta.app_label}/{meta.model_name}/")
        if model_admin.has_add_permission(type("R", (), {"user": demo["admin"]})()):
            pages.append(f"/admin/{meta.app_label}/{meta.model_name}/add/")
    failures = {}
    for page in pages:
        response = client.get(page)
        if response.status_code != 200:
            continue  # a page the model's admin does not offer
        left = chinese_left(response.content.decode(), data)
        if left:
            failures[page] = left
    assert failures == {}, pformat(failures, width=200)
