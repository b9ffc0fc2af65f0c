"""Hostile and broken mail (issue 15): whatever fails in one attachment or header, the message is
registered with what could be read and the part set aside with its reason (on the message's row
and the complaint's timeline); a message that keeps failing is set aside, never retried forever; a
stranger quoting a complaint's 【客诉 number】 makes a new complaint marked for review instead of
speaking as that complaint's customer; an encoded CR/LF in a subject never reaches an outgoing
header, so the acknowledgement goes out. Through the real Dovecot and SMTP servers, and, for
malformed MIME of every kind, a Hypothesis property over ``process``: never raises, never half-writes."""

from __future__ import annotations

import base64
import os
import re
import time
import uuid
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from kesu.complaints.models import Attachment, Complaint
from kesu.core.attachments import MAX_NAME_BYTES
from kesu.core.inbound import parse
from kesu.mailin import services
from kesu.mailin.models import FailedAttempt, InboundMessage, MailAccount
from kesu.notifications.models import OutboundEmail
from kesu.notifications.services import deliver
from tests.mailin.imap import USER, deliver_to_inbox, mail, unseen

PDF = b"%PDF-1.4 the invoice"
LONG_NAME = "关于贵公司售后服务严重拖延问题的投诉材料及相关发票照片" * 4 + ".pdf"  # 304 bytes


def with_pdf(msg: EmailMessage, filename: str, content: bytes = PDF) -> EmailMessage:
    msg.add_attachment(content, maintype="application", subtype="pdf", filename=filename)
    return msg


def same_message(kept: bytes, sent: bytes) -> bool:  # the IMAP server stores lines ending in CRLF
    return kept.replace(b"\r\n", b"\n") == sent.replace(b"\r\n", b"\n")


def notes(c: Complaint) -> str:
    return "\n".join(c.events.filter(kind="note").values_list("reason", flat=True))


def media_files(settings) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# --- one attachment or header that breaks: the complaint is registered with the rest ---------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_attachment_named_dot_dot_slash_is_stored_by_its_plain_name_inside_the_complaints_folder(
        account, now, settings):
    deliver_to_inbox(account, with_pdf(mail("发票", "发票见附件"), "../../../../etc/cron.d/发票.pdf").as_bytes())
    assert services.poll(account, now=now) == {"registered": 1}
    c = Complaint.objects.get()
    att = c.attachments.get()
    assert att.name == "发票.pdf" and Path(att.file.path).read_bytes() == PDF
    assert Path(att.file.path).resolve().parent == (Path(settings.MEDIA_ROOT) / "complaints" / str(c.pk)).resolve()
    assert unseen(account) == 0


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_attachment_with_a_300_byte_chinese_name_is_registered_shortened(account, now):
    deliver_to_inbox(account, with_pdf(mail("材料", "材料见附件"), LONG_NAME).as_bytes())
    assert services.poll(account, now=now) == {"registered": 1}
    name = Complaint.objects.get().attachments.get().name
    assert name.endswith(".pdf") and len(name.encode()) <= MAX_NAME_BYTES and LONG_NAME.startswith(name[:-4])


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_broken_base64_attachment_is_set_aside_by_name_and_the_complaint_registered(account, now):
    msg = with_pdf(with_pdf(mail("两张发票", "发票两张见附件"), "好的.pdf"), "坏的.pdf", PDF + b" second")
    raw = msg.as_bytes()
    good = base64.b64encode(PDF + b" second")
    assert good in raw
    raw = raw.replace(good, b"JVBERi0x!!" + good[12:-5], 1)  # stray characters, and the end cut off
    deliver_to_inbox(account, raw)
    assert services.poll(account, now=now) == {"registered": 1}
    c = Complaint.objects.get()
    row = InboundMessage.objects.get()
    assert list(c.attachments.values_list("name", flat=True)) == ["好的.pdf"]
    assert "坏的.pdf" in row.reason and "编码已损坏" in row.reason and "坏的.pdf" in notes(c)
    assert same_message(bytes(row.raw), raw)  # the part set aside is still there for handling by hand


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_part_in_an_undecodable_charset_and_a_subject_of_raw_bytes_still_register_the_readable_text(
        account, now):
    msg = mail("placeholder", "热水器漏电，请派人检修。")
    msg.add_attachment(b"\xff\xfe\xff\xfe unreadable \x81\x00", maintype="text", subtype="plain",
                       disposition="inline", cte="8bit")
    part = msg.get_payload()[1]
    part.set_param("charset", "x-no-such-charset")
    raw = msg.as_bytes().replace(b"Subject: placeholder", b"Subject: \xff\xfe\x80 " + "投诉".encode("gbk"))
    deliver_to_inbox(account, raw)
    assert services.poll(account, now=now) == {"registered": 1}
    c = Complaint.objects.get()
    assert "热水器漏电" in c.customer_words and "\x00" not in c.customer_words
    reason = InboundMessage.objects.get().reason
    assert "x-no-such-charset" in reason and "x-no-such-charset" in notes(c)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_attachment_the_storage_cannot_write_is_left_out_and_the_message_registered(account, now, monkeypatch):
    def disk_refuses(self, name, content):
        raise OSError(36, "File name too long")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_refuses)
    deliver_to_inbox(account, with_pdf(mail("照片", "照片见附件"), "照片.pdf").as_bytes())
    assert services.poll(account, now=now) == {"registered": 1}
    c = Complaint.objects.get()
    assert not c.attachments.exists() and "照片.pdf（保存时出错：OSError）" in InboundMessage.objects.get().reason
    assert unseen(account) == 0


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_message_that_fails_every_time_is_set_aside_after_three_polls_not_retried_forever(
        account, now, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the registration")

    monkeypatch.setattr(services.intake, "register", broken)
    raw = mail("总是出错", "这封信每次处理都出错").as_bytes()
    deliver_to_inbox(account, raw)
    assert services.poll(account, now=now) == {"failed": 1}
    assert services.poll(account, now=now) == {"failed": 1}
    assert unseen(account) == 1 and FailedAttempt.objects.get().attempts == 2
    assert services.poll(account, now=now) == {"set_aside": 1}
    row = InboundMessage.objects.get()
    assert "3 次均出错" in row.reason and same_message(bytes(row.raw), raw) and unseen(account) == 0
    assert not FailedAttempt.objects.exists() and not Complaint.objects.exists()
    assert services.poll(account, now=now) == {}


# --- whose reply: only the complaint's own customer (or staff) speaks on it ------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_stranger_quoting_a_complaints_number_makes_a_new_complaint_marked_for_review(account, now):
    deliver_to_inbox(account, mail("洗衣机噪音大", "洗衣机脱水时噪音很大").as_bytes())
    services.poll(account, now=now)
    original = Complaint.objects.get()
    deliver_to_inbox(account, mail(f"回复：【客诉 {original.number}】已受理", "我是客户本人，请把退款打到新卡号",
                                   sender="骗子 <stranger@evil.test>").as_bytes())
    assert services.poll(account, now=now) == {"registered": 1}
    assert not original.events.filter(kind="customer_added_info").exists()
    new = Complaint.objects.exclude(pk=original.pk).get()
    assert new.customer_email == "stranger@evil.test" and "新卡号" in new.customer_words
    review = notes(new)
    assert "待复核" in review and original.number in review and "stranger@evil.test" in review
    assert "待复核" in InboundMessage.objects.get(complaint=new).reason


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_stranger_answering_kesus_own_message_id_is_not_threaded_either(account, now):
    deliver_to_inbox(account, mail("燃气灶打不着火", "燃气灶点火失败").as_bytes())
    services.poll(account, now=now)
    original = Complaint.objects.get()
    ack = OutboundEmail.objects.get(complaint=original)
    deliver_to_inbox(account, mail("Re: 已受理", "补充", sender="stranger@evil.test",
                                   In_Reply_To=ack.message_id).as_bytes())
    assert services.poll(account, now=now) == {"registered": 1}
    assert Complaint.objects.count() == 2 and not original.events.filter(kind="customer_added_info").exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_customer_quoting_the_number_is_threaded_whatever_the_case_of_the_address(account, now):
    deliver_to_inbox(account, mail("洗衣机噪音大", "洗衣机脱水时噪音很大").as_bytes())
    services.poll(account, now=now)
    c = Complaint.objects.get()
    deliver_to_inbox(account, mail(f"回复：【客诉 {c.number}】", "补充：型号 XQG-100",
                                   sender="刘女士 <LIU@Customer.TEST>").as_bytes())
    assert services.poll(account, now=now) == {"appended": 1}
    assert Complaint.objects.count() == 1
    assert "XQG-100" in c.events.get(kind="customer_added_info").reason


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_staff_member_may_add_to_a_complaint_by_mail(account, now, people):
    staff = people["wangkf"]
    staff.email = "wangkf@kesu.test"
    staff.save(update_fields=["email"])
    deliver_to_inbox(account, mail("电视黑屏", "电视开机黑屏").as_bytes())
    services.poll(account, now=now)
    c = Complaint.objects.get()
    deliver_to_inbox(account, mail(f"转：【客诉 {c.number}】", "客户电话补充的情况：已更换主板仍黑屏",
                                   sender="王客服 <wangkf@kesu.test>").as_bytes())
    assert services.poll(account, now=now) == {"appended": 1}
    assert Complaint.objects.count() == 1
    assert c.events.get(kind="note").reason.startswith(f"员工 {staff.display_name} 来信")
    assert not c.events.filter(kind="customer_added_info").exists()  # a note, not the customer's words


# --- CR/LF in a subject never reaches an outgoing header ------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_subject_with_an_encoded_cr_lf_is_stored_on_one_line_and_the_acknowledgement_goes_out(
        account, now, smtp):
    injected = "=?utf-8?q?=E6=8A=95=E8=AF=89=0D=0ABcc:_victim@evil.test=0D=0A=0D=0Abody?="
    raw = mail("placeholder", "空调外机噪音扰民").as_bytes().replace(b"Subject: placeholder",
                                                                  b"Subject: " + injected.encode())
    deliver_to_inbox(account, raw)
    assert services.poll(account, now=now) == {"registered": 1}
    row = InboundMessage.objects.get()
    assert "\r" not in row.subject and "\n" not in row.subject and "Bcc: victim@evil.test" in row.subject
    ack = OutboundEmail.objects.get()
    assert "\r" not in ack.subject and "\n" not in ack.subject
    deliver(now=now)  # or the in-process worker woken by the outbox sends it first: wait for the sink
    for _ in range(100):
        if smtp.messages and OutboundEmail.objects.get().state == OutboundEmail.State.SENT:
            break
        time.sleep(0.05)
    [answer] = smtp.messages
    assert OutboundEmail.objects.get().state == OutboundEmail.State.SENT
    assert answer["Bcc"] is None and "victim@evil.test" not in answer["To"]
    assert "投诉 Bcc: victim@evil.test" in answer["Subject"]


# --- malformed MIME of every kind: never raises, never half-writes --------------------------------


def _base_messages() -> list[bytes]:
    plain = mail("空调漏水", "安装三天就漏水。电话 13700001234\n房号：1203")
    gbk = mail("电饭煲", "内胆涂层脱落，要求退货", charset="gbk")
    files = with_pdf(mail("发票", "见附件"), "发票.pdf")
    files.add_attachment(b"\xff\xd8\xff\xe0" + b"\x00" * 64, maintype="image", subtype="jpeg", filename="现场.jpg")
    html = EmailMessage()
    html["From"], html["To"], html["Subject"] = "liu@customer.test", USER, "=?gb2312?b?zbbL3w==?="
    html["Message-ID"] = make_msgid(domain="customer.test")
    html.set_content("<p>价格&lt;100元</p><br><img src='/etc/passwd'>", subtype="html")
    return [m.as_bytes() if isinstance(m, EmailMessage) else m for m in (plain, gbk, files, html)]


BASES = _base_messages()
EXAMPLES = int(os.environ.get("KESU_MAIL_FUZZ_EXAMPLES", "150"))  # more on demand: KESU_MAIL_FUZZ_EXAMPLES=5000
NASTY = [b"\r\n", b"\n\n", b"\x00", b"=?utf-8?b?", b"?=", b"--", b"boundary=\"\"", b"Content-Type: multipart/mixed\r\n",
         b"Content-Transfer-Encoding: base64\r\n", b"charset=\"x-bogus\"", b"filename*=utf-8''%E0%A4", b"\xff\xfe",
         "【客诉 260310001】".encode(), "\u202e".encode(), b"../", b"=0D=0A", b"Subject: \r\n", b"<", b"&",
         b"=HYPERLINK("]


@st.composite
def malformed(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=2000))
    raw = bytearray(draw(st.sampled_from(BASES)))
    body_only = draw(st.booleans())  # half the time the headers (Message-ID, From) survive: the rest is read on
    for _ in range(draw(st.integers(1, 6))):
        start = raw.find(b"\n\n") + 2 if body_only and b"\n\n" in raw else 0
        at = draw(st.integers(start, len(raw)))
        op = draw(st.sampled_from(["insert", "flip", "cut", "drop"]))
        if op == "insert":
            raw[at:at] = draw(st.one_of(st.sampled_from(NASTY), st.binary(min_size=1, max_size=40),
                                        st.text(max_size=20).map(lambda t: t.encode("utf-8", "surrogatepass"))))
        elif op == "flip" and at < len(raw):
            raw[at] = draw(st.integers(0, 255))
        elif op == "cut":
            del raw[at:]
        else:
            del raw[at:at + draw(st.integers(1, 200))]
    return bytes(raw)


@pytest.mark.django_db
@hyp_settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=malformed())
def test_malformed_mime_never_raises_and_every_message_is_registered_or_set_aside_whole(
        publish, people, now, settings, raw):
    if not MailAccount.objects.exists():
        publish("p4_public_commitment", now)
    account, _ = MailAccount.objects.get_or_create(name="fuzz", defaults={
        "host": "127.0.0.1", "username": USER, "password": "x"})
    raw = re.sub(rb"Message-ID: <[^>\n]*>", f"Message-ID: <{uuid.uuid4().hex}@customer.test>".encode(), raw,
                 count=1)  # each example a message of its own, not a duplicate of an earlier one
    parsed = parse(raw)  # the parser alone never raises either
    result = services.process(account, raw, now=now)
    row = InboundMessage.objects.get(account=account, message_key=services.message_key(parsed, raw))
    assert result.outcome in {"registered", "appended", "ignored", "set_aside", "duplicate"}
    if row.outcome == InboundMessage.Outcome.REGISTERED:
        assert row.complaint is not None and row.complaint.events.filter(kind="registered").exists()
    if result.outcome == InboundMessage.Outcome.SET_ASIDE and row.complaint is None:  # kept for handling by hand
        assert bytes(row.raw) == raw or len(raw) > services.MAX_RAW_KEPT
    # never half-written: one complaint per registered message, every stored file has its row
    registered = InboundMessage.objects.filter(outcome=InboundMessage.Outcome.REGISTERED).count()
    assert Complaint.objects.count() == registered
    assert media_files(settings) == {a.file.name for a in Attachment.objects.all()}
    assert not FailedAttempt.objects.exists()


@hyp_settings(max_examples=EXAMPLES * 4, deadline=None)
@given(raw=malformed())
def test_the_parser_never_raises_and_reads_headers_a_database_and_a_mail_header_can_hold(raw):
    m = parse(raw)
    for value in (m.subject, m.from_address, m.from_name, m.message_id, m.in_reply_to, *m.references):
        assert not any(ch in value for ch in "\r\n\x00") and value == value.strip()
        value.encode("utf-8")  # no lone surrogates left from 8-bit bytes
    m.text.encode("utf-8")
    assert "\x00" not in m.text
    for a in m.attachments:
        assert "/" not in a.name and "\\" not in a.name and not a.name.startswith(".")


@pytest.mark.django_db
def test_a_row_queued_with_a_cr_lf_subject_before_headers_were_made_safe_still_goes_out(now):
    from django.core import mail as outbox

    from kesu.notifications.models import OutboundEmail as Row

    Row.objects.create(to_address="liu@customer.test", subject="【客诉 1】已受理：投诉\r\nBcc: victim@evil.test",
                       body="您好", created_at=now, next_attempt_at=now, in_reply_to="<a@b>\r\nX-Evil: 1")
    assert deliver(now=now)["sent"] == 1
    [sent] = outbox.outbox
    headers = sent.message()
    assert "\n" not in sent.subject and sent.bcc == [] and headers["Bcc"] is None and headers["X-Evil"] is None


@pytest.fixture
def fuzz_account(publish, people, now):
    publish("p4_public_commitment", now)
    return MailAccount.objects.create(name="直收", host="127.0.0.1", username=USER, password="x")


@pytest.mark.django_db
def test_a_huge_part_and_an_undecodable_file_name_are_named_and_left_out_the_message_registered(
        fuzz_account, now, monkeypatch):
    from kesu.core import inbound

    monkeypatch.setattr(inbound, "MAX_PART_BYTES", 1024)  # the same rule as at 64 MB, without 64 MB
    msg = with_pdf(mail("大附件", "录像太大，附上发票"), "录像.pdf", PDF + b"\x00" * 2048)
    msg.add_attachment(PDF, maintype="application", subtype="pdf")
    raw = msg.as_bytes().replace(b'Content-Disposition: attachment\n',
                                 b"Content-Disposition: attachment; filename*=x-bogus''%FF%FE%E0.pdf\n")
    assert b"x-bogus" in raw
    result = services.process(fuzz_account, raw, now=now)
    assert result.outcome == "registered"
    assert "录像.pdf（附件超过" in result.reason
    [kept] = result.complaint.attachments.all()
    assert kept.name.endswith(".pdf") and "/" not in kept.name and "录像.pdf" in notes(result.complaint)


@pytest.mark.django_db
def test_a_reply_whose_addition_fails_after_its_file_was_written_leaves_no_file_and_is_taken_without_it(
        fuzz_account, now, settings, monkeypatch):
    first = mail("冰箱不制冷", "买了一周就不制冷")
    services.process(fuzz_account, first.as_bytes(), now=now)
    c = Complaint.objects.get()
    real, calls = services._left_out_note, []

    def fails_once_after_the_files(left_out, *lead):
        calls.append(left_out)
        if len(calls) == 1:
            raise RuntimeError("the database went away after the file was written")
        return real(left_out, *lead)

    monkeypatch.setattr(services, "_left_out_note", fails_once_after_the_files)
    reply = with_pdf(mail(f"回复：【客诉 {c.number}】", "发票见附件"), "发票.pdf")
    result = services.process(fuzz_account, reply.as_bytes(), now=now)
    assert result.outcome == "appended" and "发票.pdf（保存时出错：RuntimeError）" in result.reason
    assert not Attachment.objects.exists() and media_files(settings) == set()
