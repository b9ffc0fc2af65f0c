"""The signed webhook for chat, app and social sources: a good delivery makes one complaint however
often it is sent; a bad signature, a stale timestamp or a malformed body is refused with a clear,
structured error and nothing is written; the policy's warning words raise the level and flag the
complaint for review."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from kesu.complaints.models import Complaint
from kesu.intake.models import WebhookSource
from kesu.intake.webhook import signature
from kesu.notifications.models import Notification

pytestmark = pytest.mark.django_db
SECRET = "s3cret-for-tests"


@pytest.fixture
def source(p1, people, publish, now):
    publish("p3_rapid_response", now)  # P3 takes chat, app and social
    return WebhookSource.objects.create(name="wechat", title="微信客服", channel="chat", secret=SECRET)


def post(payload: object, *, secret: str = SECRET, stamp: int | None = None, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    ts = str(stamp if stamp is not None else int(time.time()))
    return Client().post("/intake/webhook/wechat/", body, content_type="application/json",
                         HTTP_X_KESU_TIMESTAMP=ts, HTTP_X_KESU_SIGNATURE=signature(secret, ts, body))


MESSAGE = {"message_id": "wx-0001", "text": "买的耳机左边没声音，要求换货",
           "customer": {"name": "赵先生", "phone": "13800138000"}}


def test_a_signed_message_makes_one_complaint_however_often_it_is_sent(source):
    first = post(MESSAGE)
    again = post(MESSAGE)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["number"] == again.json()["number"] and again.json()["replay"] is True
    c = Complaint.objects.get()
    assert (c.channel, c.customer_phone, c.customer_name) == ("chat", "13800138000", "赵先生")


def test_a_bad_signature_or_a_stale_timestamp_is_refused_and_nothing_is_written(source):
    forged = post(MESSAGE, secret="guessed")
    stale = post(MESSAGE, stamp=int(time.time()) - 3600)
    assert (forged.status_code, forged.json()["error"]["code"]) == (401, "webhook_bad_signature")
    assert (stale.status_code, stale.json()["error"]["code"]) == (401, "webhook_stale")
    assert "签名不正确" in forged.json()["error"]["message"]
    assert not Complaint.objects.exists()


def test_a_malformed_body_is_refused_naming_each_field(source):
    broken = post(None, raw=b"{not json")
    assert broken.status_code == 400 and broken.json()["error"]["fields"][0]["field"] == "body"
    wrong = post({"message_id": "", "text": 5, "customer": {"phone": 138, "age": "30"}, "extra": 1})
    fields = {f["field"] for f in wrong.json()["error"]["fields"]}
    assert wrong.status_code == 422 and fields == {"message_id", "text", "customer.phone", "customer.age", "extra"}
    bad_phone = post({**MESSAGE, "message_id": "wx-2", "customer": {"phone": "12345"}})
    assert bad_phone.status_code == 422 and bad_phone.json()["error"]["fields"][0]["field"] == "customer_phone"
    assert not Complaint.objects.exists()


def test_warning_words_raise_the_level_and_flag_the_complaint_for_review(source, people):
    response = post({**MESSAGE, "message_id": "wx-3", "text": "再不处理我就找媒体曝光，还要打12315"})
    c = Complaint.objects.get(number=response.json()["number"])
    assert c.level == "urgent"  # P3: media → 紧急
    flagged = c.events.get(kind="keyword_flagged")
    assert flagged.changes["words"][1] == ["曝光", "媒体", "12315"]
    assert Notification.objects.filter(kind="keyword_flagged", recipient=people["zhoujl"]).exists()
    assert c.clocks.filter(code="response").get().target == "1h"  # the urgent clock runs from registration


def test_a_follow_up_message_joins_the_customers_complaint(source):
    number = post(MESSAGE).json()["number"]
    more = post({"message_id": "wx-4", "text": "补充：订单号 A123", "number": number,
                 "customer": {"phone": "13800138000"}})
    assert more.status_code == 200 and more.json()["outcome"] == "appended"
    stranger = post({"message_id": "wx-5", "text": "我也来看看", "number": number,
                     "customer": {"phone": "13900139000"}})
    assert stranger.status_code == 422 and Complaint.objects.count() == 1
    assert Complaint.objects.get().events.filter(kind="customer_added_info").count() == 1
