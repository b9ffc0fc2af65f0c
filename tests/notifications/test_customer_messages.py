"""The customer hears from us (issue 16): a receipt with the complaint number at registration,
the rating link after the return visit — by SMS or e-mail as the customer gave, in the customer's
language, in the wording an administrator set; through Aliyun or Tencent Cloud SMS as approved
templates with parameters, signed as each provider checks."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kesu.core.lifecycle import State
from kesu.notifications import outbox
from kesu.notifications.models import Delivery, MessageTemplate, QuietHours
from tests.factories import bring_to, register
from tests.notifications.receivers import AliyunSmsApi, TencentSmsApi

pytestmark = pytest.mark.django_db


def send(now: datetime) -> None:
    outbox.expand(now=now)
    outbox.send_due(now=now)


def test_the_customer_gets_a_receipt_with_the_number_by_sms(p1, people, now, sms_file):
    c = register(people, now, customer_phone="13812345678")
    send(now)
    (sms,) = sms_file()
    assert sms["to"] == "13812345678"
    assert f"您的投诉已受理，编号 {c.number}" in sms["text"]


def test_a_customer_writing_in_english_gets_the_receipt_in_english(p1, people, now, sms_file):
    c = register(people, now, customer_words="The air conditioner you installed leaks and nobody came back.")
    send(now)
    assert f"We have registered your complaint as {c.number}" in sms_file()[0]["text"]


def test_a_customer_who_gave_only_an_email_address_gets_the_receipt_by_email(p1, people, now, smtp, sms_file):
    c = register(people, now, customer_phone="", customer_email="ma@example.test", channel="web")
    send(now)
    assert sms_file() == []
    (mail,) = smtp.messages
    assert mail["To"] == "ma@example.test" and c.number in mail.get_content()


def test_the_wording_an_administrator_set_is_the_one_sent(p1, people, now, sms_file):
    MessageTemplate.objects.create(kind="customer_registered", lang="zh-hans",
                                   body="【华安汽车】您的投诉编号为 {number}，我们会在 30 分钟内联系您。")
    c = register(people, now)
    send(now)
    assert sms_file()[0]["text"] == f"【华安汽车】您的投诉编号为 {c.number}，我们会在 30 分钟内联系您。"


def test_after_a_satisfied_return_visit_the_customer_gets_the_rating_link(p1, people, now, sms_file):
    c = bring_to(State.SATISFIED, people, now)
    send(now)
    rating = [m for m in sms_file() if "评分" in m["text"]]
    assert len(rating) == 1 and "/portal/rate/" in rating[0]["text"] and c.number in rating[0]["text"]


def test_aliyun_sends_the_approved_template_with_its_parameters_signed(p1, people, now, settings, receivers):
    api = receivers(AliyunSmsApi(key_id="LTAI-test", secret="aliyun-secret"))
    settings.KESU_SMS_BACKEND, settings.KESU_SMS_ENDPOINT = "aliyun", api.base + "/"
    settings.KESU_SMS_KEY_ID, settings.KESU_SMS_KEY_SECRET, settings.KESU_SMS_SIGN_NAME = (
        "LTAI-test", "aliyun-secret", "华安汽车")
    MessageTemplate.objects.create(kind="customer_registered", lang="zh-hans", body="编号 {number}",
                                   sms_template="SMS_465210001", sms_params="number")
    c = register(people, now)
    send(now)
    (got,) = api.received
    assert got["template"] == "SMS_465210001" and got["params"] == {"number": c.number}
    assert got["to"] == "13812345678" and got["sign_name"] == "华安汽车"
    assert got["out_id"] == Delivery.objects.get().key  # our idempotency key travels with it


def test_aliyun_refuses_a_wrong_secret_and_the_message_is_retried_not_lost(p1, people, now, settings, receivers):
    api = receivers(AliyunSmsApi(key_id="LTAI-test", secret="aliyun-secret"))
    settings.KESU_SMS_BACKEND, settings.KESU_SMS_ENDPOINT = "aliyun", api.base + "/"
    settings.KESU_SMS_KEY_ID, settings.KESU_SMS_KEY_SECRET = "LTAI-test", "not-the-secret"
    MessageTemplate.objects.create(kind="customer_registered", lang="zh-hans", body="编号 {number}",
                                   sms_template="SMS_465210001", sms_params="number")
    register(people, now)
    send(now)
    d = Delivery.objects.get()
    assert d.state == "pending" and "SignatureDoesNotMatch" in d.last_error
    settings.KESU_SMS_KEY_SECRET = "aliyun-secret"
    outbox.send_due(now=now + timedelta(minutes=1))
    assert len(api.received) == 1 and Delivery.objects.get().state == "sent"


def test_without_an_approved_template_a_provider_is_not_asked_to_send_free_text(p1, people, now, settings, receivers):
    api = receivers(AliyunSmsApi(key_id="k", secret="s"))
    settings.KESU_SMS_BACKEND, settings.KESU_SMS_ENDPOINT = "aliyun", api.base + "/"
    register(people, now)
    send(now)
    d = Delivery.objects.get()
    assert d.state == "failed" and "模板" in d.last_error and api.received == []


def test_tencent_cloud_sends_the_template_by_position_signed_with_tc3(p1, people, now, settings, receivers):
    api = receivers(TencentSmsApi(secret_id="AKID-test", secret_key="tencent-secret"))
    settings.KESU_SMS_BACKEND, settings.KESU_SMS_ENDPOINT = "tencent", api.base + "/"
    settings.KESU_SMS_KEY_ID, settings.KESU_SMS_KEY_SECRET, settings.KESU_SMS_APP_ID = (
        "AKID-test", "tencent-secret", "1400000000")
    MessageTemplate.objects.create(kind="customer_registered", lang="zh-hans", body="编号 {number}",
                                   sms_template="1234567", sms_params="number")
    c = register(people, now)
    send(now)
    (got,) = api.received
    assert got["to"] == "+8613812345678" and got["template"] == "1234567" and got["params"] == [c.number]


def test_quiet_hours_hold_a_routine_sms_until_morning_but_never_a_crisis(p1, people, now, sms_file):
    manager = people["zhoujl"]
    manager.phone = "13900000001"
    manager.save(update_fields=["phone"])
    QuietHours.objects.create(staff=manager, start=datetime.strptime("22:00", "%H:%M").time(),
                              end=datetime.strptime("07:00", "%H:%M").time())
    night = now.replace(hour=23, minute=0)
    register(people, night, customer_words="再不解决我就找记者曝光")  # a crisis, and P1's major route
    send(night)
    to_manager = Delivery.objects.filter(recipient=manager, channel="sms")
    assert to_manager.get(kind="crisis").state == "sent"
    routine = to_manager.get(kind="registered")
    assert routine.state == "pending" and routine.next_attempt_at == night.replace(hour=7) + timedelta(days=1)
