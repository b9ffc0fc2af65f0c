"""Simplified Chinese by default, English by a switch: the whole interface has an English
catalogue, the compiled catalogue is the committed source, and a switched page speaks English —
labels, states, timeline and the rules' refusals alike."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils import timezone

from kesu.core.lifecycle import State
from tests.factories import bring_to

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "kesu" / "locale" / "en" / "LC_MESSAGES" / "django.po"
sys.path.insert(0, str(ROOT / "scripts" / "i18n"))


def test_every_text_of_the_interface_has_an_english_translation():
    from msgids import used_msgids

    po = {e.msgid: e.msgstr for e in polib.pofile(str(PO))}
    missing = sorted(m for m in used_msgids() if not po.get(m))
    assert missing == [], "run scripts/i18n/make_po.py and translate: " + ", ".join(missing)


def test_the_compiled_catalogue_matches_its_source():
    compiled = {e.msgid: e.msgstr for e in polib.mofile(str(PO.with_suffix(".mo")))}
    source = {e.msgid: e.msgstr for e in polib.pofile(str(PO))}
    assert compiled == source, "run scripts/i18n/make_po.py to recompile django.mo"


@pytest.mark.django_db
def test_switching_to_english_translates_pages_states_timeline_and_refusals(p1, people):
    c = bring_to(State.HANDLING, people, timezone.now())
    client = Client()
    client.force_login(people["wangkf"])
    assert "工作台" in client.get("/queue/").content.decode()  # Chinese first

    client.post("/i18n/setlang/", {"language": "en", "next": "/queue/"})
    queue = client.get("/queue/?q=all").content.decode()
    assert "Work queue" in queue and "Handling" in queue and "工作台" not in queue
    page = client.get(f"/c/{c.number}/").content.decode()
    assert "Timeline" in page and "Registered" in page and 'lang="en"' in page
    refused = client.post(f"/c/{c.number}/act/sign_off/", {"version": c.version, "note": "x"},
                          follow=True).content.decode()
    assert "is not allowed while the complaint is" in refused


@pytest.mark.django_db
def test_the_administrations_clock_lists_name_each_clock_in_the_readers_language(p1, people):
    """The policy names its clocks in both languages (``name_en``): the clock list, its filter and
    the extension requests say 「初次对应」 to a Chinese reader and "First response" to an English one."""
    from kesu.clocks.models import ComplaintClock, ExtensionRequest

    c = bring_to(State.HANDLING, people, timezone.now())
    clock = ComplaintClock.objects.filter(complaint=c, code="first_response").first() or \
        ComplaintClock.objects.filter(complaint=c).first()
    assert clock is not None
    ExtensionRequest.objects.create(complaint=c, clock=clock, kind=ExtensionRequest.Kind.EXTEND, extension="1d",
                                    reason="等配件", requested_by=people["wangkf"], requested_at=timezone.now())
    zh, en = Client(), Client()
    zh.force_login(people["admin"])
    en.force_login(people["admin"])
    en.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    english_name = {"first_response": "First response", "second_response": "Second response",
                    "handoff": "Work sheet to the department manager"}[clock.code]
    for page in ("/admin/clocks/complaintclock/", "/admin/clocks/extensionrequest/"):
        chinese, english = zh.get(page).content.decode(), en.get(page).content.decode()
        assert clock.name in chinese, page
        assert clock.name not in english, page
        assert english_name in english, page
        assert f"{c.pk} {clock.code}" not in english  # never the row's code
    listed = en.get("/admin/clocks/complaintclock/", {"code": clock.code}).content.decode()
    assert "By Deadlines" in listed and clock.name not in listed


@pytest.mark.django_db
def test_business_units_and_permissions_read_in_the_readers_language(p1, people, now):
    """A business unit has an English name (``name_en``): the step that passes a case down offers
    the stores by it, the administration lists it; the permission pickers name each permission
    from its model in the reader's language, not as Django wrote it at migration (「Can add 业务单位」)."""
    from kesu.complaints.models import Complaint
    from kesu.ops.demo import load_demo_units
    from kesu.org.models import Unit

    load_demo_units(people, now)
    group = Unit.objects.get(code="huaan_group")
    c = bring_to(State.ASSIGNED, people, timezone.now())
    Complaint.objects.filter(pk=c.pk).update(unit=group)
    zh, en = Client(), Client()
    for client in (zh, en):
        client.force_login(people["admin"])
    en.post("/i18n/setlang/", {"language": "en", "next": "/queue/"})
    wangkf = Client()
    wangkf.force_login(people["wangkf"])
    wangkf.post("/i18n/setlang/", {"language": "en", "next": "/queue/"})
    detail = wangkf.get(f"/c/{c.number}/").content.decode().replace("&#x27;", "'")
    assert "Unit below" in detail and "Hua'an East 4S store" in detail and "华安东区" not in detail

    units = en.get("/admin/org/unit/").content.decode().replace("&#x27;", "'")
    assert "Hua'an East 4S store" in units
    assert "华安东区 4S 店" in zh.get("/admin/org/unit/").content.decode()
    staff = en.get("/admin/org/staff/").content.decode().replace("&#x27;", "'")
    assert "Hua'an East 4S store" in staff and "华安东区" not in staff

    pickers = en.get("/admin/auth/group/add/").content.decode()
    assert "Can add Business unit" in pickers and "Can add 业务单位" not in pickers
    assert "可新增业务单位" in zh.get("/admin/auth/group/add/").content.decode()
    own = en.get(f"/admin/org/staff/{people['wangkf'].pk}/change/").content.decode()
    assert "Can view Business unit" in own and "业务单位" not in own


@pytest.mark.django_db
def test_a_clocks_own_page_in_the_administration_shows_words_not_codes(p1, people):
    from kesu.clocks.models import ComplaintClock

    c = bring_to(State.HANDLING, people, timezone.now())
    clock = ComplaintClock.objects.filter(complaint=c).order_by("pk").first()
    assert clock is not None
    en = Client()
    en.force_login(people["admin"])
    en.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    page = en.get(f"/admin/clocks/complaintclock/{clock.pk}/change/").content.decode()
    for code in (clock.code, clock.name, f">{clock.target}<", f">{clock.responsible_role}<", ">calendar<"):
        assert code not in page, code
    assert "Calendar time" in page or "Working time" in page
    assert "minutes" in page or "hours" in page or "days" in page


@pytest.mark.django_db
@pytest.mark.parametrize("lang, said", [("en", "field 'Search': the search must not be longer than"),
                                        ("zh-hans", "字段「搜索」：搜索内容不能超过")])
def test_the_search_box_is_named_by_its_label_in_the_readers_language(p1, people, lang, said):
    client = Client()
    client.force_login(people["wangkf"])
    client.post("/i18n/setlang/", {"language": lang, "next": "/queue/"})
    page = client.get("/search/", {"q": "x" * 300}).content.decode().replace("&#x27;", "'")
    assert said in page and "field 'q'" not in page and "字段「q」" not in page


@pytest.mark.django_db
def test_the_top_level_and_a_closed_corrective_action_refuse_in_either_language(p1, people):
    from kesu.core.errors import KesuError
    from kesu.workflow import capa
    from kesu.workflow import services as workflow

    c = bring_to(State.HANDLING, people, timezone.now())
    refused = None
    for _ in range(5):  # up to the policy's highest level, then once more
        try:
            c = workflow.raise_level(c, actor=people["zhoujl"], now=timezone.now(), reason="客户情绪激烈")
        except KesuError as exc:
            refused = exc
            break
    assert refused is not None and refused.code == "top_level"
    assert refused.message("en") == "field 'level': 'Crisis' is already the highest level"
    assert refused.message("zh-hans") == "字段「level」：已是最高级别「危机事件」，不能再提级"
    done = KesuError("capa_not_open", field="capa", state=capa.VERIFIED)
    assert done.message("en").endswith("this corrective action is already verified as effective")
    assert done.message("zh-hans").endswith("该纠正预防措施已确认有效")


@pytest.mark.django_db
def test_the_penalty_ledgers_sheet_speaks_the_readers_language(p1, people, now):
    """The ledger exported from an English page: the sheet's name, its headers, the states and an
    overtime penalty's 事由 in English, as the page shows them; from a Chinese page, as stored."""
    import io
    from datetime import timedelta

    from openpyxl import load_workbook

    from kesu.clocks.sweep import sweep

    bring_to(State.HANDLING, people, now)
    sweep(now=now + timedelta(hours=1))  # the first response clock breached: one penalty booked
    sheets = {}
    for lang in ("en", "zh-hans"):
        client = Client()
        client.force_login(people["churs"])
        client.post("/i18n/setlang/", {"language": lang, "next": "/queue/"})
        response = client.get("/penalties/", {"month": "2026-03", "format": "xlsx"})
        sheets[lang] = load_workbook(io.BytesIO(response.content)).active
    en, zh = sheets["en"], sheets["zh-hans"]
    assert en.title == "Penalty ledger" and zh.title == "扣罚台账"
    assert [c.value for c in en[1]][:3] == ["Booked at", "Complaint", "Reason"]
    assert en.cell(2, 3).value.startswith("First response overdue (") and en.cell(2, 7).value == "In force"
    assert zh.cell(2, 3).value.startswith("初次对应超时（") and zh.cell(2, 7).value == "有效"


@pytest.mark.django_db
@pytest.mark.parametrize("form, title", [("work-order", "Coordination work order"),
                                         ("handling-slip", "Complaint handling slip"),
                                         ("record-card", "Complaint record card"),
                                         ("investigation", "Investigation report")])
def test_a_form_printed_from_an_english_page_is_in_english_but_for_peoples_words(p1, people, tmp_path, form, title):
    """The paper forms keep their layout; their labels, the policy's names, states and costs follow the
    reader's language (the Chinese page prints the company's Chinese form, tests/printing)."""
    import re

    from kesu.workflow import services as workflow
    from tests.printing.test_forms import text_of
    from tests.web.test_english_pages import user_data

    c = bring_to(State.HANDLING, people, timezone.now())
    workflow.request_approval(c, actor=people["lijl"], now=timezone.now(), kind="compensation",
                              compensation_kind="voucher", amount="800", plan="致送礼券")
    client = Client()
    client.force_login(people["zhoujl"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/queue/"})
    text = text_of(client.get(f"/c/{c.number}/print/{form}/").content, tmp_path)
    assert title in text and c.number in text
    for d in sorted(user_data(), key=len, reverse=True):
        text = text.replace(d, " ")
    left = sorted(set(re.findall(r"[\u3400-\u9fff]+", text)))
    assert left == [], left
    if form == "handling-slip":
        assert "Copy 1" in text and "Copy 3" in text and "800.00 yuan" in text


@pytest.mark.django_db
def test_the_suggestion_box_screen_heads_the_policys_own_fields_in_the_readers_language(p1, people):
    en = Client()
    en.force_login(people["wangkf"])
    en.post("/i18n/setlang/", {"language": "en", "next": "/queue/"})
    page = en.get("/intake/slips/").content.decode()
    assert "Plate number" in page and "Mileage (km)" in page and "车牌号" not in page


@pytest.mark.django_db
def test_finances_decision_is_told_to_the_requester_in_their_language(p1, people, now):
    """The approval_decided notice after finance's review names the compensation in English too
    (``what_en``), as the approver's decision already does."""
    from kesu.notifications.messages import render
    from kesu.notifications.models import Notification
    from kesu.workflow import services as workflow

    c = bring_to(State.HANDLING, people, now)
    a = workflow.request_approval(c, actor=people["lijl"], now=now, kind="compensation", compensation_kind="refund",
                                  amount="2000", plan="退还维修费")
    workflow.decide_approval(a, actor=people["zhangzong"], now=now, approve=True)
    workflow.finance_review(a, actor=people["wucw"], now=now, approve=True)
    told = Notification.objects.filter(kind="approval_decided", recipient=people["lijl"]).order_by("-id").first()
    assert told is not None
    subject, body = render(told.kind, told.params, "en")
    assert "2000" in body and not re.search(r"[\u3400-\u9fff]", subject + body), body


@pytest.mark.django_db
def test_the_registration_buttons_say_what_they_do(p1, people):
    """「登记」 on a button is an action ("Register"); the detail page's 登记于 row says when ("Registered")."""
    c = bring_to(State.REGISTERED, people, timezone.now())
    en = Client()
    en.force_login(people["wangkf"])
    en.post("/i18n/setlang/", {"language": "en", "next": "/queue/"})
    assert re.search(r"<button type=\"submit\">Register</button>", en.get("/register/").content.decode())
    assert re.search(r"<button type=\"submit\">Register</button>", en.get("/intake/slips/").content.decode())
    assert "<dt>Registered</dt>" in en.get(f"/c/{c.number}/").content.decode()
