"""Email intake against a real IMAP server (Dovecot on 127.0.0.1) and a real SMTP server: new mail
makes a complaint, a reply joins its complaint, automatic mail makes nothing, Chinese encodings
are read, a message is processed once and never lost, and the customer's acknowledgement goes out
threaded under their own message."""

from __future__ import annotations

import time
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from kesu.complaints.models import Complaint
from kesu.mailin import services
from kesu.mailin.models import InboundMessage
from kesu.notifications.models import OutboundEmail
from kesu.notifications.services import deliver
from tests.mailin.imap import USER, deliver_to_inbox, mail, unseen

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_new_mail_becomes_a_complaint_and_the_customer_is_answered_in_the_same_thread(account, now, smtp):
    original = mail("空调漏水投诉", "安装三天就漏水，请尽快处理。我的电话 13700001234。")
    deliver_to_inbox(account, original.as_bytes())
    assert services.poll(account, now=now) == {"registered": 1}

    c = Complaint.objects.get()
    assert (c.channel, c.customer_email, c.customer_phone, c.customer_name) == (
        "email", "liu@customer.test", "13700001234", "刘女士")
    assert "安装三天就漏水" in c.customer_words and unseen(account) == 0
    deliver(now=now)  # or the in-process worker woken by the outbox sends it first: wait for the sink
    for _ in range(100):
        if smtp.messages:
            break
        time.sleep(0.05)
    answer = smtp.messages[0]
    assert answer["In-Reply-To"] == original["Message-ID"] and original["Message-ID"] in answer["References"]
    assert f"【客诉 {c.number}】" in answer["Subject"] and answer["X-Kesu-Loop"] and answer["Auto-Submitted"]


def test_a_reply_joins_its_complaint_by_subject_tag_or_by_thread(account, now):
    deliver_to_inbox(account, mail("冰箱不制冷", "买了一周就不制冷").as_bytes())
    services.poll(account, now=now)
    c = Complaint.objects.get()
    ack = OutboundEmail.objects.get(complaint=c)
    deliver_to_inbox(account, mail(f"回复：【客诉 {c.number}】已受理", "补充：型号 BCD-520").as_bytes())
    deliver_to_inbox(account, mail("Re: 您的投诉", "照片见附件说明", In_Reply_To=ack.message_id).as_bytes())
    assert services.poll(account, now=now) == {"appended": 2}
    assert Complaint.objects.count() == 1
    added = list(c.events.filter(kind="customer_added_info").values_list("reason", flat=True))
    assert any("BCD-520" in r for r in added) and any("照片" in r for r in added)


@pytest.mark.parametrize("charset", ["gbk", "gb18030", "gb2312"])
def test_chinese_encodings_are_read(account, now, charset):
    text = "您好，我在贵店购买的电饭煲内胆涂层脱落，要求退货。"
    raw = mail("电饭煲质量问题", text, charset=charset).as_bytes()
    deliver_to_inbox(account, raw)
    services.poll(account, now=now)
    assert text in Complaint.objects.get().customer_words


def test_gbk_bytes_labelled_gb2312_are_still_read(account, now):
    text = "镕铨堃"  # characters GBK has and GB2312 lacks: a common mislabel
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "liu@customer.test", USER, "mislabelled"
    msg["Message-ID"] = make_msgid(domain="customer.test")
    msg.set_payload(text.encode("gbk"))
    msg["Content-Type"] = 'text/plain; charset="gb2312"'
    msg["Content-Transfer-Encoding"] = "8bit"
    deliver_to_inbox(account, msg.as_bytes())
    services.poll(account, now=now)
    assert text in Complaint.objects.get().customer_words


@pytest.mark.parametrize(("headers", "why"), [
    ({"Auto_Submitted": "auto-replied"}, "自动发送"),
    ({"X_Autoreply": "yes"}, "自动回复"),
    ({"Precedence": "bulk"}, "群发"),
    ({"X_Kesu_Loop": "1"}, "邮件循环"),
])
def test_automatic_mail_makes_no_complaint(account, now, headers, why):
    deliver_to_inbox(account, mail("自动回复：我不在办公室", "我将于下周回来", **headers).as_bytes())
    assert services.poll(account, now=now) == {"ignored": 1}
    assert not Complaint.objects.exists()
    assert why in InboundMessage.objects.get().reason


def test_a_bounce_makes_no_complaint(account, now):
    deliver_to_inbox(account, mail("Undelivered Mail Returned to Sender", "The mail could not be delivered",
                                   sender="MAILER-DAEMON@mx.customer.test").as_bytes())
    assert services.poll(account, now=now) == {"ignored": 1}
    assert not Complaint.objects.exists()


def test_the_same_message_twice_makes_one_complaint(account, now):
    raw = mail("重复投递", "同一封邮件被投递了两次").as_bytes()
    deliver_to_inbox(account, raw)
    deliver_to_inbox(account, raw)
    assert services.poll(account, now=now) == {"registered": 1, "duplicate": 1}
    assert Complaint.objects.count() == 1


def test_broken_encoding_is_set_aside_with_the_reason_and_kept(account, now):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "liu@customer.test", USER, "乱码"
    msg["Message-ID"] = make_msgid(domain="customer.test")
    msg.set_payload(b"\xff\xfe\xfa broken \x81")
    msg["Content-Type"] = 'text/plain; charset="utf-8"'
    msg["Content-Transfer-Encoding"] = "8bit"
    deliver_to_inbox(account, msg.as_bytes())
    assert services.poll(account, now=now) == {"set_aside": 1}
    row = InboundMessage.objects.get()
    assert "编码" in row.reason and bytes(row.raw) and not Complaint.objects.exists()
    assert unseen(account) == 0  # set aside is an outcome: not read again and again


def test_a_failure_halfway_loses_nothing_the_next_poll_handles_it(account, now, monkeypatch):
    deliver_to_inbox(account, mail("断电了", "处理到一半服务器出错").as_bytes())
    real = services.email_customer

    def broken(**kwargs):
        real(**kwargs)  # the complaint, its message row and the acknowledgement are written …
        raise RuntimeError("database went away")  # … and then the work fails, inside the registration

    monkeypatch.setattr(services, "email_customer", broken)
    assert services.poll(account, now=now) == {"failed": 1}
    assert not Complaint.objects.exists() and not InboundMessage.objects.exists() and unseen(account) == 1
    monkeypatch.setattr(services, "email_customer", real)
    assert services.poll(account, now=now) == {"registered": 1}
    assert Complaint.objects.count() == 1


def test_attachments_are_kept_within_the_policys_limits(account, now):
    msg = mail("附件", "见附件")
    msg.add_attachment(b"%PDF-1.4 invoice", maintype="application", subtype="pdf", filename="发票.pdf")
    msg.add_attachment(b"MZ\x90\x00 program", maintype="application", subtype="octet-stream", filename="tool.exe")
    deliver_to_inbox(account, msg.as_bytes())
    services.poll(account, now=now)
    c = Complaint.objects.get()
    assert list(c.attachments.values_list("name", flat=True)) == ["发票.pdf"]
    assert "tool.exe" in InboundMessage.objects.get().reason
