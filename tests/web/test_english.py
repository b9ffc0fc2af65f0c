"""Simplified Chinese by default, English by a switch: the whole interface has an English
catalogue, the compiled catalogue is the committed source, and a switched page speaks English —
labels, states, timeline and the rules' refusals alike."""

from __future__ import annotations

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
