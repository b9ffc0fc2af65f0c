"""Issue 13, complete English: a reason the system writes on the timeline (a crisis's signals, the
retention period that ended, a message a channel relayed) reads in the reader's language on the
detail page and in the API; what people and customers wrote is shown as written."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.complaints.timeline import reason_in
from kesu.core.lifecycle import State
from kesu.privacy import customer, retention
from tests.api.test_api import client_for
from tests.factories import bring_to, register

pytestmark = pytest.mark.django_db
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_a_crisis_says_its_signals_in_english_on_the_english_page_and_api(p1, people, now):
    c = register(people, now, customer_words="我要去12315投诉，还要找记者曝光")
    flagged = c.events.get(kind="crisis_flagged")
    assert "12315" in flagged.reason and HAN.search(flagged.reason)  # stored as the Chinese reader sees it
    english = reason_in(flagged, "en")
    assert english and not HAN.search(english.replace("12315", "").replace("记者", "").replace("曝光", ""))
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(people["zhoujl"])
    html = page.get(f"/c/{c.number}/").content.decode()
    assert english in html and flagged.reason not in html
    timeline = client_for(people["zhoujl"], "en").get(f"/api/v1/complaints/{c.number}/").json()["timeline"]
    assert english in [e["reason"] for e in timeline]
    chinese = client_for(people["zhoujl"]).get(f"/api/v1/complaints/{c.number}/").json()["timeline"]
    assert flagged.reason in [e["reason"] for e in chinese]


def test_the_retention_period_that_ended_reads_in_english(p1, people, now):
    c = bring_to(State.ARCHIVED, people, now)
    retention.run(now + timedelta(days=3 * 366 + 1))  # P1 keeps 3 years
    done = ComplaintEvent.objects.get(complaint=c, kind="retention_anonymised")
    assert done.reason.startswith("保存期限 3 年已满")
    assert reason_in(done, "en").startswith("Retention period of 3 years ended")


def test_what_a_person_wrote_is_shown_as_written_and_an_erasure_takes_its_english_too(p1, people, now):
    note = lifecycle.add_note(bring_to(State.HANDLING, people, now), actor=people["zhoujl"], now=now,
                              note="已电话联系客户").events.get(kind="note")
    assert reason_in(note, "en") == "已电话联系客户"
    c = bring_to(State.ARCHIVED, people, now)
    seq = c.event_seq + 1  # a message a channel relayed earlier (the webhook writes it so)
    Complaint.objects.filter(pk=c.pk).update(event_seq=seq)
    relayed = ComplaintEvent.objects.create(
        complaint=c, seq=seq, at=now, kind="customer_added_info", reason="客户通过微信补充：马先生 13812345678",
        changes={"reason_en": [None, "The customer added via 微信: 马先生 13812345678"]})
    customer.erase(customer.Customer.parse("13812345678"), actor=people["zhoujl"], now=now + timedelta(days=1),
                   reason="客户要求删除")
    relayed.refresh_from_db()
    assert "13812345678" not in str(relayed.changes)
    assert reason_in(relayed, "en") == relayed.reason == "〔已删除〕"  # removed in both languages


def test_the_intake_channels_act_under_names_in_the_readers_language(p1, people):
    from django.utils import translation

    from kesu.intake.webhook import _actor
    from kesu.mailin.services import mail_actor
    from kesu.portal.services import portal_actor

    accounts = [mail_actor(), _actor(), portal_actor()]
    with translation.override("en"):
        assert [str(a) for a in accounts] == ["Mail intake", "Channel intake", "Customer portal"]
    with translation.override("zh-hans"):
        assert [str(a) for a in accounts] == ["邮件受理", "渠道接入", "客户自助平台"]
    assert str(people["wangkf"]) == people["wangkf"].display_name  # a person is named as they are
