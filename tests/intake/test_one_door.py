"""One door for every channel: the staff form, the API (JSON and multipart), the portal, the signed
webhook, mail, the spreadsheet import and suggestion-box slips all register through
kesu.complaints.intake — so every channel carries the policy's own fields (P5's required 房号),
refuses the same way naming the field by its label and writes nothing when it refuses, and the
policy's warning words raise the level and tell the CS managers whichever way a complaint came in.
The API keeps its attachments within the policy's limits, content checked against the extension."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kesu.api.models import IdempotencyKey
from kesu.complaints.models import Attachment, Complaint, NumberCounter
from kesu.intake.models import ImportBatch, WebhookDelivery, WebhookSource
from kesu.intake.webhook import signature
from kesu.mailin import services as mail_services
from kesu.mailin.models import InboundMessage, MailAccount
from kesu.notifications.models import Notification, OutboundEmail
from tests.portal.person import read_image

pytestmark = pytest.mark.django_db

SECRET = "one-door-secret"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
ALL_CHANNELS = ["phone", "walk_in", "suggestion_box", "web", "email", "social", "chat", "import"]
WORDS = "楼上卫生间漏水，天花板一直在滴水，物业三天没人来看"
WARNING = "我要去12315投诉，还要找记者曝光"


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    from django.core.cache import cache

    cache.clear()


def publish_open(stem: str):  # type: ignore[no-untyped-def]
    """A preset as the policy in force, taking complaints by every channel the seven doors use."""
    from kesu.core.policy.io import PRESETS_DIR
    from kesu.policies.services import import_and_publish

    text = (PRESETS_DIR / f"{stem}.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^channels: \[.*\]$", f"channels: [{', '.join(ALL_CHANNELS)}]", text, count=1, flags=re.M)
    return import_and_publish(text=text, actor=None, now=timezone.now())


@pytest.fixture
def p5_open(people):
    return publish_open("p5_property_management")


@pytest.fixture
def p1_open(people):
    return publish_open("p1_four_level")


# --- one helper per channel: send the customer's words (and 房号, when given); what came back --------


@dataclass
class Sent:
    ok: bool
    text: str  # what the channel showed or answered: a page, a JSON body, a mail's outcome


def _agent(people) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(people["wangkf"])
    return client


def _api(people) -> APIClient:  # type: ignore[no-untyped-def]
    token, _ = Token.objects.get_or_create(user=people["wangkf"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def staff_form(people, words: str, unit: str | None) -> Sent:  # type: ignore[no-untyped-def]
    data = {"channel": "phone", "customer_phone": "13812345678", "customer_name": "吴女士", "customer_words": words}
    if unit is not None:
        data["extra_unit_number"] = unit
    response = _agent(people).post("/register/", data)
    return Sent(response.status_code == 302, response.content.decode())


def api_json(people, words: str, unit: str | None) -> Sent:  # type: ignore[no-untyped-def]
    body: dict[str, object] = {"channel": "phone", "customer_words": words, "customer_name": "吴女士",
                               "customer_phone": "13812345678", "demands": ["repair", "道歉"]}
    if unit is not None:
        body["extra"] = {"unit_number": unit}
    response = _api(people).post("/api/v1/complaints/", body, format="json")
    return Sent(response.status_code == 201, response.content.decode())


def api_multipart(people, words: str, unit: str | None) -> Sent:  # type: ignore[no-untyped-def]
    data: dict[str, object] = {"channel": "电话", "customer_words": words, "customer_phone": "13812345678",
                               "files": [SimpleUploadedFile("天花板.jpg", JPEG)]}
    if unit is not None:
        data["extra.unit_number"] = unit
    response = _api(people).post("/api/v1/complaints/", data, format="multipart")
    return Sent(response.status_code == 201, response.content.decode())


def portal(people, words: str, unit: str | None) -> Sent:  # type: ignore[no-untyped-def]
    client = Client()
    page = client.get("/portal/complain/").content.decode()
    data = {"customer_name": "吴女士", "customer_phone": "13812345678", "customer_words": words,
            **read_image(page), "website": ""}  # the image check read as a person reads it
    if unit is not None:
        data["extra_unit_number"] = unit
    text = client.post("/portal/complain/", data).content.decode()
    return Sent(Complaint.objects.exists(), text)


def webhook(people, words: str, unit: str | None) -> Sent:  # type: ignore[no-untyped-def]
    WebhookSource.objects.get_or_create(name="wechat", defaults={"title": "微信", "channel": "social",
                                                                 "secret": SECRET})
    payload: dict[str, object] = {"message_id": "wx-1", "text": words,
                                  "customer": {"name": "吴女士", "phone": "13812345678"}}
    if unit is not None:
        payload["fields"] = {"extra": {"unit_number": unit}}
    body = json.dumps(payload, ensure_ascii=False).encode()
    stamp = str(int(time.time()))
    response = Client().post("/intake/webhook/wechat/", body, content_type="application/json",
                             HTTP_X_KESU_TIMESTAMP=stamp, HTTP_X_KESU_SIGNATURE=signature(SECRET, stamp, body))
    return Sent(response.status_code == 201, response.content.decode())


def mail(people, words: str, unit: str | None) -> Sent:  # type: ignore[no-untyped-def]
    account, _ = MailAccount.objects.get_or_create(name="客服邮箱", defaults={
        "host": "127.0.0.1", "username": "kf@kesu.test", "password": "x"})
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "吴女士 <wu@customer.test>", "kf@kesu.test", "物业投诉"
    msg["Message-ID"] = make_msgid(domain="customer.test")
    msg.set_content(f"{words}\n\n房号：{unit}\n电话：13812345678\n" if unit is not None else f"{words}\n")
    result = mail_services.process(account, msg.as_bytes(), now=timezone.now())
    return Sent(result.outcome == InboundMessage.Outcome.REGISTERED, result.reason)


def spreadsheet(people, words: str, unit: str | None) -> Sent:  # type: ignore[no-untyped-def]
    header, row = ["渠道", "客户姓名", "客户电话", "客户原话"], ["电话", "吴女士", 13812345678, words]
    if unit is not None:
        header, row = [*header, "房号"], [*row, unit]
    wb = Workbook()
    wb.active.append(header)
    wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    agent = _agent(people)
    report = agent.post("/intake/import/", {"file": SimpleUploadedFile("登记表.xlsx", out.getvalue())},
                        follow=True).content.decode()
    batch = ImportBatch.objects.get()
    done = agent.post(f"/intake/import/{batch.pk}/", {"mode": "all"}, follow=True).content.decode()
    return Sent("已导入 1 条投诉" in done, report + done)


def slip(people, words: str, unit: str | None) -> Sent:  # type: ignore[no-untyped-def]
    data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "50", "form-0-customer_words": words, "form-0-customer_name": "吴女士",
            "form-0-occurred_place": "一号楼大堂"}
    if unit is not None:
        data["form-0-extra_unit_number"] = unit
    response = _agent(people).post("/intake/slips/", data)
    return Sent(response.status_code == 302, response.content.decode())


CHANNELS: dict[str, Callable[..., Sent]] = {
    "staff form": staff_form, "API JSON": api_json, "API multipart": api_multipart, "portal": portal,
    "webhook": webhook, "mail": mail, "spreadsheet": spreadsheet, "slip": slip,
}
each_channel = pytest.mark.parametrize("send", list(CHANNELS.values()), ids=list(CHANNELS))


def nothing_registered() -> bool:
    """No complaint, no file, no number consumed, and no channel's own record of a registration."""
    return (not Complaint.objects.exists() and not Attachment.objects.exists()
            and not NumberCounter.objects.filter(value__gt=0).exists()
            and not WebhookDelivery.objects.exists() and not IdempotencyKey.objects.exists()
            and not ImportBatch.objects.filter(imported_at__isnull=False).exists())


# --- (a) every channel carries the policy's own fields --------------------------------------------


@each_channel
def test_under_p5_every_channel_registers_the_room_number(p5_open, people, send):
    sent = send(people, WORDS, "3-2-1203")
    assert sent.ok, sent.text
    c = Complaint.objects.get()
    assert c.extra["unit_number"] == "3-2-1203" and WORDS in c.customer_words


@each_channel
def test_under_p5_every_channel_refuses_a_complaint_without_the_room_number_naming_it(p5_open, people, send):
    sent = send(people, WORDS, None)
    assert not sent.ok
    assert "字段「房号」：必填，不能为空" in sent.text  # the door's own message, the field by its label
    assert nothing_registered()


def test_a_mail_without_the_room_number_is_set_aside_with_the_doors_reason_and_nothing_else(p5_open, people):
    sent = mail(people, WORDS, None)
    row = InboundMessage.objects.get()
    assert row.outcome == InboundMessage.Outcome.SET_ASIDE and "「房号」" in row.reason and bytes(row.raw)
    assert sent.text == row.reason and nothing_registered() and not OutboundEmail.objects.exists()


def test_the_api_names_each_refused_field_with_its_code_label_and_message(p5_open, people):
    response = _api(people).post("/api/v1/complaints/", {"channel": "phone", "customer_words": WORDS,
                                                         "customer_phone": "12345", "purchase_date": "昨天",
                                                         "colour": "red"}, format="json")
    assert response.status_code == 422
    fields = {f["field"]: f for f in response.json()["error"]["fields"]}
    assert set(fields) == {"purchase_date", "colour"}  # read first: types and unknown fields
    assert fields["purchase_date"]["label"] == "购买日期" and "「购买日期」" in fields["purchase_date"]["message"]
    response = _api(people).post("/api/v1/complaints/", {"channel": "phone", "customer_words": WORDS,
                                                         "customer_phone": "12345"}, format="json")
    fields = {f["field"]: f for f in response.json()["error"]["fields"]}
    assert fields["extra.unit_number"] == {"field": "extra.unit_number", "code": "required", "label": "房号",
                                           "message": "字段「房号」：必填，不能为空"}
    assert fields["customer_phone"]["code"] == "bad_phone" and fields["customer_phone"]["label"] == "客户电话"
    assert nothing_registered()


def test_a_mail_fills_fields_by_label_lines_and_keeps_a_bad_phone_out(p5_open, people):
    account = MailAccount.objects.create(name="客服邮箱", host="127.0.0.1", username="kf@kesu.test", password="x")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "wu@customer.test", "kf@kesu.test", "投诉"
    msg["Message-ID"] = make_msgid(domain="customer.test")
    msg.set_content(f"{WORDS}\n房号: 1203\n楼栋：3 号楼\n电话：12345\n订单号：WX-778\n")
    msg.add_attachment(b"MZ\x90\x00", maintype="image", subtype="jpeg", filename="照片.jpg")
    result = mail_services.process(account, msg.as_bytes(), now=timezone.now())
    c = result.complaint
    assert result.outcome == "registered" and c is not None
    assert (c.extra, c.order_number, c.customer_phone) == ({"unit_number": "1203", "building": "3 号楼"}, "WX-778", "")
    assert "照片.jpg" in InboundMessage.objects.get().reason and not c.attachments.exists()


def test_a_spreadsheet_names_an_unknown_header_and_accepts_the_policys_own(p5_open, people):
    from kesu.core.errors import ValidationFailed
    from kesu.intake.spreadsheet import header_map

    assert set(header_map(p5_open_policy(), ["客户原话", "房号", "Product", "订单号"]).values()) == {
        "customer_words", "extra.unit_number", "product_name", "order_number"}
    with pytest.raises(ValidationFailed) as refused:
        header_map(p5_open_policy(), ["客户原话", "车牌号"])
    assert "表头「车牌号」不是可识别的列" in refused.value.message()


def p5_open_policy():  # type: ignore[no-untyped-def]
    from kesu.complaints.intake import policy_in_force

    return policy_in_force()


def test_a_spreadsheet_row_error_is_the_doors_prefixed_with_the_row_number(p5_open, people):
    sent = spreadsheet(people, WORDS, None)
    assert "第 2 行：字段「房号」：必填，不能为空" in sent.text and nothing_registered()


# --- (b) keyword and crisis screening, whichever way it came in -----------------------------------


@each_channel
def test_under_p1_warning_words_raise_the_level_and_tell_the_cs_managers_on_every_channel(p1_open, people, send):
    sent = send(people, WARNING, None)
    assert sent.ok, sent.text
    c = Complaint.objects.get()
    assert c.level == "major"  # P1: 12315 and 记者 / 曝光 → 重大投诉
    flagged = c.events.get(kind="keyword_flagged")
    assert {"12315", "记者", "曝光"} <= set(flagged.changes["words"][1])
    assert Notification.objects.filter(kind="keyword_flagged", complaint=c, recipient=people["zhoujl"]).exists()


@each_channel
def test_words_a_rule_only_notes_go_on_the_timeline_without_an_alarm(p1_open, people, send):
    """P1's 投诉、退款、赔偿 carry no level: most complaints say them, so they are noted on the
    timeline, tell nobody, and do not put the case before legal as a warning would."""
    sent = send(people, "我要投诉，空调坏了要求退款", None)
    assert sent.ok, sent.text
    c = Complaint.objects.get()
    assert c.level != "major"
    assert set(c.events.get(kind="keyword_noted").changes["words"][1]) == {"投诉", "退款"}
    assert not c.events.filter(kind="keyword_flagged").exists()
    assert not Notification.objects.filter(complaint=c, kind="keyword_flagged").exists()
    from kesu.complaints.selectors import visible_complaints

    assert not visible_complaints(people["weifw"], timezone.now()).filter(pk=c.pk).exists()


# --- (c) the API's attachments ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "why"), [
    ("现场.jpg", JPEG + b"\x00" * (21 * 1024 * 1024), "超过上限 20 MB"),
    ("照片.jpg", b"MZ\x90\x00\x03" + b"\x00" * 100, "内容与扩展名不符"),
], ids=["21 MB", "an .exe named .jpg"])
def test_the_api_refuses_a_file_over_the_limit_or_not_what_it_says_naming_it(p1_open, people, name, content, why):
    response = _api(people).post("/api/v1/complaints/", {
        "channel": "phone", "customer_words": WORDS, "customer_phone": "13812345678",
        "files": [SimpleUploadedFile(name, content)]}, format="multipart")
    assert response.status_code == 422
    [problem] = response.json()["error"]["fields"]
    assert "附件" in problem["message"] and name in problem["message"] and why in problem["message"]
    assert nothing_registered()


def test_the_api_keeps_the_attachments_it_is_sent(p1_open, people):
    response = _api(people).post("/api/v1/complaints/", {
        "channel": "phone", "customer_words": WORDS, "customer_phone": "13812345678", "demands": ["refund", "repair"],
        "files": [SimpleUploadedFile("a.jpg", JPEG), SimpleUploadedFile("b.jpg", JPEG)]}, format="multipart")
    assert response.status_code == 201
    c = Complaint.objects.get()
    assert sorted(c.attachments.values_list("name", flat=True)) == ["a.jpg", "b.jpg"]
    assert c.demands == ["refund", "repair"]
