"""Issue 13, complete English for the mail intake: why a message was set aside, ignored or taken
without a part is kept in both languages, so an English administrator reads it in English in the
mail list; the notes the intake writes on a complaint's timeline read in English for an English
agent; what the customer (or a staff member) wrote stays exactly as written — only the system's
framing around it is translated; an erasure scrubs the sender from the reason in both languages."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.test import Client

from kesu.complaints.models import Complaint
from kesu.complaints.timeline import reason_in
from kesu.core.lifecycle import State
from kesu.mailin import services
from kesu.mailin.models import InboundMessage, MailAccount
from kesu.privacy import customer
from tests.factories import bring_to
from tests.mailin.imap import USER, mail

pytestmark = pytest.mark.django_db
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def mailbox(publish, people, now):
    publish("p4_public_commitment", now)  # P4 takes complaints by email
    return MailAccount.objects.create(name="客服邮箱", host="127.0.0.1", username=USER, password="x")


def page(person, url: str, lang: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(person)
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def broken_text() -> EmailMessage:
    msg = mail("乱码", "")
    msg.set_payload(b"\xff\xfe\xfa broken \x81")
    msg.replace_header("Content-Type", 'text/plain; charset="utf-8"')
    msg.replace_header("Content-Transfer-Encoding", "8bit")
    return msg


def no_text() -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "liu@customer.test", USER, "（无内容）"
    msg["Message-ID"] = make_msgid(domain="customer.test")
    return msg


@pytest.mark.parametrize(("message", "chinese", "english"), [
    (no_text, "邮件没有正文", "The message has no text"),
    (broken_text, "正文不是有效的 utf-8 编码", "The text is not valid utf-8"),
    (lambda: mail("自动回复：我不在办公室", "我将于下周回来", X_Autoreply="yes"),
     "自动回复（X-Autoreply）", "An automatic reply (X-Autoreply)"),
])
def test_an_english_administrator_sees_why_a_message_was_set_aside_in_english(
        mailbox, people, now, message, chinese, english):
    services.process(mailbox, message().as_bytes(), now=now)
    row = InboundMessage.objects.get()
    assert (row.reason, row.reason_en) == (chinese, english)
    assert not Complaint.objects.exists()
    in_english = page(people["admin"], "/admin/mailin/inboundmessage/", "en")
    assert english in in_english and chinese not in in_english
    assert chinese in page(people["admin"], "/admin/mailin/inboundmessage/", "zh-hans")
    assert english in page(people["admin"], f"/admin/mailin/inboundmessage/{row.pk}/change/", "en")


def test_a_mailbox_whose_policy_takes_no_email_says_so_in_english(publish, people, now):
    publish("p1_four_level", now)  # P1 takes no complaints by email
    box = MailAccount.objects.create(name="旧邮箱", host="127.0.0.1", username=USER, password="x")
    result = services.process(box, mail("投诉", "空调不制冷").as_bytes(), now=now)
    assert result.outcome == "set_aside"
    assert (result.reason, result.reason_en) == ("现行制度未开放电子邮件投诉渠道",
                                                 "The policy in force takes no complaints by email")


def test_an_english_agent_reads_the_mails_system_note_in_english(mailbox, people, now):
    msg = mail("附件", "见附件")
    msg.add_attachment(b"MZ\x90\x00 program", maintype="application", subtype="octet-stream", filename="tool.exe")
    result = services.process(mailbox, msg.as_bytes(), now=now)
    c = result.complaint
    note = c.events.get(kind="note")
    assert note.reason.startswith("邮件受理：未保存的附件或部分：tool.exe（")
    english = reason_in(note, "en")
    assert english.startswith("Mail intake: Attachments or parts not saved: tool.exe (") and not HAN.search(english)
    assert result.reason_en == english.removeprefix("Mail intake: ")
    detail = page(people["zhoujl"], f"/c/{c.number}/", "en")
    assert english in detail and note.reason not in detail
    assert note.reason in page(people["zhoujl"], f"/c/{c.number}/", "zh-hans")


def test_a_stranger_quoting_a_complaint_is_marked_for_review_in_english_too(mailbox, people, now):
    original = services.process(mailbox, mail("洗衣机噪音大", "脱水时噪音很大").as_bytes(), now=now).complaint
    services.process(mailbox, mail(f"回复：【客诉 {original.number}】", "请把退款打到新卡号",
                                   sender="stranger@evil.test").as_bytes(), now=now)
    new = Complaint.objects.exclude(pk=original.pk).get()
    english = reason_in(new.events.get(kind="note"), "en")
    assert english.startswith(f"Mail intake: To review: the message quoted complaint {original.number} "
                              "in its subject, but its sender stranger@evil.test is not that complaint's customer")
    assert InboundMessage.objects.get(complaint=new).reason_en == english.removeprefix("Mail intake: ")


def test_the_customers_own_words_stay_as_written_only_the_framing_is_english(mailbox, people, now):
    c = services.process(mailbox, mail("冰箱不制冷", "买了一周就不制冷").as_bytes(), now=now).complaint
    subject, words = f"回复：【客诉 {c.number}】", "补充：型号 BCD-520，冷藏室 15 度"
    assert services.process(mailbox, mail(subject, words).as_bytes(), now=now).outcome == "appended"
    added = c.events.get(kind="customer_added_info")
    assert added.reason == f"客户来信（{subject}）：{words}"
    assert reason_in(added, "en") == f"The customer wrote ({subject}): {words}"
    assert f"The customer wrote ({subject}): {words}" in page(people["zhoujl"], f"/c/{c.number}/", "en")


def test_a_staff_members_mail_is_framed_in_english_and_kept_as_written(mailbox, people, now):
    staff = people["wangkf"]
    staff.email = "wangkf@kesu.test"
    staff.save(update_fields=["email"])
    c = services.process(mailbox, mail("电视黑屏", "电视开机黑屏").as_bytes(), now=now).complaint
    services.process(mailbox, mail(f"转：【客诉 {c.number}】", "已更换主板仍黑屏",
                                   sender="王客服 <wangkf@kesu.test>").as_bytes(), now=now)
    note = c.events.get(kind="note")
    assert note.reason.startswith(f"员工 {staff.display_name} 来信")
    assert reason_in(note, "en") == (
        f"Staff member {staff.display_name} wrote (转：【客诉 {c.number}】): 已更换主板仍黑屏")


def test_an_erasure_scrubs_the_senders_address_from_a_messages_reason_in_both_languages(p1, people, now):
    c = bring_to(State.ARCHIVED, people, now, customer_email="ma.xs@example.com")
    box = MailAccount.objects.create(name="客服邮箱", host="127.0.0.1", username=USER, password="x")
    row = InboundMessage.objects.create(
        account=box, message_key="<1@customer.test>", from_address="ma.xs@example.com", subject="投诉",
        received_at=now, outcome="registered", complaint=c,
        reason="待复核：来信在主题中引用了投诉 1，但发件人 ma.xs@example.com 不是该投诉的客户",
        reason_en="To review: the message quoted complaint 1 in its subject, but its sender ma.xs@example.com")
    customer.erase(customer.Customer.parse(email="ma.xs@example.com"), actor=people["zhoujl"],
                   now=now + timedelta(days=1), reason="客户要求删除")
    row.refresh_from_db()
    assert "ma.xs@example.com" not in row.reason + row.reason_en
    assert row.reason.startswith("待复核") and row.reason_en.startswith("To review")
