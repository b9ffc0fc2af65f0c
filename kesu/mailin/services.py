"""Email intake (SPEC F3): each new message in a polled mailbox becomes a complaint, or is added
to the complaint it answers, or is recognised as automatic mail, or is set aside with the reason.

* **Once.** A message is known by its Message-ID (or a hash of its bytes when it has none); the
  row recording it is written in the same transaction as the complaint it made, and a unique
  constraint stops a second worker. It is flagged \\Seen on the server only after that commit, so
  a failure halfway leaves it unseen and it is read again on the next poll — never lost.
* **Whose.** A reply is matched by the 【客诉 number】 tag in its subject, or by In-Reply-To /
  References against the mail Kesu sent. A new message's customer is matched by address (their
  earlier complaints) and by a mobile number in the text.
* **Loops.** Auto-replies, bounces, mailing lists and Kesu's own mail coming back make nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core import keywords
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.inbound import InboundMail, parse
from kesu.core.registration import RegistrationInput
from kesu.mailin.models import InboundMessage, MailAccount
from kesu.notifications.models import OutboundEmail
from kesu.notifications.services import email_customer
from kesu.org.models import Staff, StaffRole
from kesu.policies.services import active_version, policy_of

log = logging.getLogger(__name__)
MAIL_USERNAME = "mail-intake"
MAX_RAW_KEPT = 10 * 1024 * 1024  # a set-aside message is kept for handling by hand up to this size


def service_account(username: str, display_name: str) -> Staff:
    """A service account an intake channel acts as on the timeline; it cannot sign in."""
    from django.contrib.auth.hashers import make_password

    staff, made = Staff.objects.get_or_create(
        username=username, defaults={"display_name": display_name, "password": make_password(None)})
    if made:
        StaffRole.objects.create(staff=staff, role="cs_agent")
    return staff


def mail_actor() -> Staff:
    return service_account(MAIL_USERNAME, "邮件受理")


@dataclass(frozen=True)
class Outcome:
    outcome: str
    reason: str = ""
    complaint: Complaint | None = None


def message_key(mail: InboundMail, raw: bytes) -> str:
    return mail.message_id[:300] if mail.message_id else "sha256:" + hashlib.sha256(raw).hexdigest()


def process(account: MailAccount, raw: bytes, *, now: datetime) -> Outcome:
    """Handle one message in one transaction. A message seen before returns its earlier outcome."""
    mail = parse(raw)
    key = message_key(mail, raw)
    earlier = InboundMessage.objects.filter(account=account, message_key=key).first()
    if earlier is not None:
        return Outcome("duplicate", earlier.outcome, earlier.complaint)
    try:
        with transaction.atomic():
            result = _decide(mail, now=now)
            InboundMessage.objects.create(
                account=account, message_key=key, from_address=mail.from_address[:254], subject=mail.subject[:300],
                received_at=now, outcome=result.outcome, reason=result.reason, complaint=result.complaint,
                raw=raw if result.outcome == InboundMessage.Outcome.SET_ASIDE and len(raw) <= MAX_RAW_KEPT else b"")
            return result
    except IntegrityError:  # another worker recorded it first
        earlier = InboundMessage.objects.get(account=account, message_key=key)
        return Outcome("duplicate", earlier.outcome, earlier.complaint)


def _decide(mail: InboundMail, *, now: datetime) -> Outcome:
    if mail.automatic:
        return Outcome(InboundMessage.Outcome.IGNORED, mail.automatic)
    if mail.problems:
        return Outcome(InboundMessage.Outcome.SET_ASIDE, "；".join(mail.problems))
    if not mail.text.strip() and not mail.attachments:
        return Outcome(InboundMessage.Outcome.SET_ASIDE, "邮件没有正文")
    known = _complaint_answered(mail)
    if known is not None:
        return _append(known, mail, now=now)
    return _register(mail, now=now)


def _complaint_answered(mail: InboundMail) -> Complaint | None:
    if mail.tagged_number:
        found = Complaint.objects.filter(number=mail.tagged_number).first()
        if found is not None:
            return found
    thread = [i for i in (mail.in_reply_to, *mail.references) if i]
    if thread:
        sent = OutboundEmail.objects.filter(message_id__in=thread, complaint__isnull=False).first()
        if sent is not None:
            return sent.complaint
        earlier = InboundMessage.objects.filter(message_key__in=thread, complaint__isnull=False).first()
        if earlier is not None:
            return earlier.complaint
    return None


def _append(c: Complaint, mail: InboundMail, *, now: datetime) -> Outcome:
    """The customer's reply goes on the complaint's timeline, with what attachments fit."""
    actor = mail_actor()
    if c.customer_email and c.customer_email != mail.from_address:
        return Outcome(InboundMessage.Outcome.SET_ASIDE,
                       f"回复了投诉 {c.number}，但发件人 {mail.from_address} 不是该投诉的客户", c)
    try:
        with transaction.atomic():
            lifecycle.record_customer_input(c, kind="customer_added_info", actor=actor, now=now,
                                            text=f"客户来信（{mail.subject}）：{mail.text}"[:4000] or "（附件）")
            note = _attach(c, mail, actor=actor, now=now)
    except KesuError as exc:
        return Outcome(InboundMessage.Outcome.SET_ASIDE, f"不能追加到投诉 {c.number}：{exc.message()}", c)
    return Outcome(InboundMessage.Outcome.APPENDED, note, c)


def _attach(c: Complaint, mail: InboundMail, *, actor: Staff, now: datetime) -> str:
    """Keep the attachments the policy allows, one by one; say which were left out and why."""
    left_out = []
    for a in mail.attachments:
        try:
            with transaction.atomic():
                lifecycle.add_attachments(c, actor=actor, now=now, files=[lifecycle.FileIn(a.name, a.content)])
        except ValidationFailed as exc:
            left_out.append(f"{a.name}（{'；'.join(e.message() for e in exc.errors)}）")
        except KesuError as exc:
            left_out.append(f"{a.name}（{exc.message()}）")
    return ("未保存的附件：" + "、".join(left_out)) if left_out else ""


def _register(mail: InboundMail, *, now: datetime) -> Outcome:
    try:
        policy = policy_of(active_version())
    except KesuError as exc:
        return Outcome(InboundMessage.Outcome.SET_ASIDE, exc.message())
    if "email" not in policy.channels:
        return Outcome(InboundMessage.Outcome.SET_ASIDE, "现行制度未开放电子邮件投诉渠道")
    previous = (Complaint.objects.filter(customer_email=mail.from_address).order_by("-registered_at")
                .values("customer_name", "customer_phone").first())
    phone = mail.phone_in_text() or (previous or {}).get("customer_phone", "")
    name = mail.from_name or (previous or {}).get("customer_name", "")
    words = f"{mail.subject}\n{mail.text}".strip() if mail.subject else mail.text
    hit = keywords.match(policy, words)
    data = RegistrationInput(channel="email", customer_words=words[:4000], customer_name=name[:60],
                             customer_phone=phone, customer_email=mail.from_address, level=hit.level or "")
    actor = mail_actor()
    try:
        c = lifecycle.register_complaint(actor=actor, now=now, data=data)
    except ValidationFailed as exc:
        if any(e.field == "customer_phone" for e in exc.errors) and phone:
            data = RegistrationInput(**{**data.__dict__, "customer_phone": ""})  # a wrong number in the text
            try:
                c = lifecycle.register_complaint(actor=actor, now=now, data=data)
            except KesuError as again:
                return Outcome(InboundMessage.Outcome.SET_ASIDE, again.message())
        else:
            return Outcome(InboundMessage.Outcome.SET_ASIDE, exc.message())
    if hit:
        c = lifecycle.flag_for_review(c, now=now, words=hit.words, level=hit.level)
    note = _attach(c, mail, actor=actor, now=now)
    email_customer(
        complaint=c, to=mail.from_address, now=now, in_reply_to=mail.message_id, references=mail.references,
        subject=f"【客诉 {c.number}】已受理：{mail.subject}"[:200],
        body=(f"您好，您的来信已登记为投诉 {c.number}。我们将按《{policy.name}》的时限处理并与您联系。\n"
              f"如需补充，请直接回复本邮件（请保留主题中的编号）。"))
    return Outcome(InboundMessage.Outcome.REGISTERED, note, c)


# --- polling ---------------------------------------------------------------------------------------


def poll(account: MailAccount, *, now: datetime, limit: int = 200) -> dict[str, int]:
    """Read the account's unseen messages, handle each, and flag it \\Seen once its outcome is
    committed. A message whose handling failed stays unseen and is read again next time."""
    counts: dict[str, int] = {}
    box = (imaplib.IMAP4_SSL if account.use_ssl else imaplib.IMAP4)(account.host, account.port, timeout=30)
    try:
        box.login(account.username, account.password)
        box.select(account.folder)
        status, data = box.uid("SEARCH", None, "UNSEEN")  # type: ignore[arg-type]
        uids = (data[0] or b"").split()[:limit] if status == "OK" else []
        for uid in uids:
            status, parts = box.uid("FETCH", uid, "(BODY.PEEK[])")  # type: ignore[arg-type]
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None) if status == "OK" else None
            if raw is None:
                continue
            try:
                result = process(account, raw, now=now)
            except Exception:  # leave it unseen: the next poll tries again
                log.exception("mail intake: message %s of %s failed", uid, account)
                counts["failed"] = counts.get("failed", 0) + 1
                continue
            box.uid("STORE", uid, "+FLAGS", "(\\Seen)")  # type: ignore[arg-type]
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
        MailAccount.objects.filter(pk=account.pk).update(last_polled_at=now, last_error="")
    except (OSError, imaplib.IMAP4.error) as exc:
        MailAccount.objects.filter(pk=account.pk).update(last_error=repr(exc)[:2000])
        raise
    finally:
        with contextlib.suppress(Exception):  # the connection is going away either way
            box.logout()
    return counts


def poll_all(*, now: datetime) -> dict[str, int]:
    total: dict[str, int] = {}
    for account in MailAccount.objects.filter(is_active=True).order_by("pk"):
        try:
            for k, v in poll(account, now=now).items():
                total[k] = total.get(k, 0) + v
        except (OSError, imaplib.IMAP4.error):
            log.exception("mail intake: cannot read %s", account)
            total["unreachable"] = total.get("unreachable", 0) + 1
    return total
