"""Helpers of the mail tests: the Dovecot account's user, putting a message in its inbox, counting
what is unseen there, and a customer's message."""

from __future__ import annotations

import imaplib
import time
from email.message import EmailMessage
from email.utils import make_msgid

from kesu.mailin.models import MailAccount

USER, PASSWORD = "complaints@kesu.test", "secret"


def deliver_to_inbox(account: MailAccount, raw: bytes) -> None:
    box = imaplib.IMAP4(account.host, account.port)
    box.login(USER, PASSWORD)
    box.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
    box.logout()


def unseen(account: MailAccount) -> int:
    box = imaplib.IMAP4(account.host, account.port)
    box.login(USER, PASSWORD)
    box.select("INBOX")
    count = len(box.search(None, "UNSEEN")[1][0].split())
    box.logout()
    return count


def mail(subject: str, body: str, *, sender: str = "刘女士 <liu@customer.test>", charset: str = "utf-8",
         **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, USER, subject
    msg["Message-ID"] = make_msgid(domain="customer.test")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body, charset=charset)
    return msg
