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
* **One door.** A new complaint is registered by kesu.complaints.intake like every channel's: a
  line such as 「房号：1203」 in the body fills that field of the record template (labels from
  ``names_by_label``); attachments the policy refuses are left out and named, never blocking the
  registration; a message the door refuses (a required field missing) is set aside with the door's
  own message and nothing else is written. The message's row and the acknowledgement are written
  inside the registration's transaction.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from kesu.complaints import intake, lifecycle
from kesu.complaints.models import Complaint
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.inbound import InboundMail, parse
from kesu.core.policy import Policy
from kesu.core.registration import names_by_label
from kesu.mailin.models import InboundMessage, MailAccount
from kesu.notifications.models import OutboundEmail
from kesu.notifications.services import email_customer
from kesu.org.models import Staff, StaffRole

log = logging.getLogger(__name__)
MAIL_USERNAME = "mail-intake"
MAX_RAW_KEPT = 10 * 1024 * 1024  # a set-aside message is kept for handling by hand up to this size
# 「房号：1203」, 「订单号: A-778」: a label, a full-width or ASCII colon, the value, on a line of its own
LABEL_LINE = re.compile(r"^[ \t\u3000]*([^：:\n]{1,20}?)[ \t\u3000]*[：:][ \t\u3000]*(\S.*?)[ \t\u3000]*$", re.M)
# What a customer's mail may fill by such a line: their own details and the policy's industry
# fields — not the channel, the level or the category, which are not the customer's to set.
FILLED_BY_LINES = frozenset({
    "customer_name", "customer_phone", "customer_region", "customer_ref", "product_name", "product_model",
    "order_number", "purchase_date", "occurred_at", "occurred_place", "amount_involved", "demands",
})


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
    """Handle one message: its outcome and its row are written in one transaction (a registration's
    own). A message seen before returns its earlier outcome."""
    mail = parse(raw)
    key = message_key(mail, raw)
    earlier = InboundMessage.objects.filter(account=account, message_key=key).first()
    if earlier is not None:
        return Outcome("duplicate", earlier.outcome, earlier.complaint)

    def record(result: Outcome) -> None:
        InboundMessage.objects.create(
            account=account, message_key=key, from_address=mail.from_address[:254], subject=mail.subject[:300],
            received_at=now, outcome=result.outcome, reason=result.reason, complaint=result.complaint,
            raw=raw if result.outcome == InboundMessage.Outcome.SET_ASIDE and len(raw) <= MAX_RAW_KEPT else b"")

    try:
        result = _screen(mail)
        known = _complaint_answered(mail) if result is None else None
        if result is None and known is None:
            result = _register(mail, now=now, record=record)
            if result.outcome == InboundMessage.Outcome.REGISTERED and result.reason:  # the files left out
                InboundMessage.objects.filter(account=account, message_key=key).update(reason=result.reason)
            return result
        with transaction.atomic():  # not a registration: an addition to a complaint, or no complaint
            result = result or _append(known, mail, now=now)  # type: ignore[arg-type]
            record(result)
            return result
    except IntegrityError:  # another worker recorded it first
        earlier = InboundMessage.objects.get(account=account, message_key=key)
        return Outcome("duplicate", earlier.outcome, earlier.complaint)


def _screen(mail: InboundMail) -> Outcome | None:
    """Mail that makes no complaint: automatic, unreadable or empty."""
    if mail.automatic:
        return Outcome(InboundMessage.Outcome.IGNORED, mail.automatic)
    if mail.problems:
        return Outcome(InboundMessage.Outcome.SET_ASIDE, "；".join(mail.problems))
    if not mail.text.strip() and not mail.attachments:
        return Outcome(InboundMessage.Outcome.SET_ASIDE, "邮件没有正文")
    return None


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


def labelled_lines(policy: Policy, text: str) -> dict[str, str]:
    """The fields a mail fills by lines of its own, 「房号：1203」 (the first line for a field counts)."""
    names = names_by_label(policy)
    out: dict[str, str] = {}
    for m in LABEL_LINE.finditer(text):
        label = m.group(1).strip()
        name = names.get(label) or names.get(label.lower())
        if name and (name.startswith("extra.") or name in FILLED_BY_LINES) and name not in out:
            out[name] = m.group(2)
    return out


def _register(mail: InboundMail, *, now: datetime, record: Callable[[Outcome], None]) -> Outcome:
    """A new complaint through the one door; refused, the message is set aside with the door's reason."""
    try:
        policy = intake.policy_in_force()
    except KesuError as exc:
        return _set_aside(record, exc.message())
    if "email" not in policy.channels:
        return _set_aside(record, "现行制度未开放电子邮件投诉渠道")
    previous = (Complaint.objects.filter(customer_email=mail.from_address).order_by("-registered_at")
                .values("customer_name", "customer_phone").first()) or {}
    lines = labelled_lines(policy, mail.text)
    guessed = set(lines)  # read from the text: left out when the door refuses them, not the message
    phone = lines.get("customer_phone") or mail.phone_in_text()
    if phone:
        guessed.add("customer_phone")
    words = f"{mail.subject}\n{mail.text}".strip() if mail.subject else mail.text
    fields: dict[str, Any] = {
        **lines, "customer_words": words[:4000], "customer_email": mail.from_address,
        "customer_name": (lines.get("customer_name") or mail.from_name or previous.get("customer_name", ""))[:60],
        "customer_phone": phone or previous.get("customer_phone", ""),
    }
    files = [lifecycle.FileIn(a.name, a.content) for a in mail.attachments]
    actor = mail_actor()

    def within(c: Complaint) -> None:  # in the registration's transaction
        record(Outcome(InboundMessage.Outcome.REGISTERED, "", c))
        email_customer(
            complaint=c, to=mail.from_address, now=now, in_reply_to=mail.message_id, references=mail.references,
            subject=f"【客诉 {c.number}】已受理：{mail.subject}"[:200],
            body=(f"您好，您的来信已登记为投诉 {c.number}。我们将按《{policy.name}》的时限处理并与您联系。\n"
                  f"如需补充，请直接回复本邮件（请保留主题中的编号）。"))

    required = {f"extra.{f.code}" for f in policy.record_fields if f.required}
    try:
        try:
            done = intake.register(intake.Received("email", fields, files), actor=actor, now=now,
                                   lenient_files=True, within=within)
        except ValidationFailed as exc:
            refused = {(e.field or "").split("[", 1)[0] for e in exc.errors}
            if not refused or not refused <= guessed - required:
                raise
            # a wrong phone number or an unreadable date in the text: registered without it
            fields = {k: v for k, v in fields.items() if k not in refused}
            done = intake.register(intake.Received("email", fields, files), actor=actor, now=now,
                                   lenient_files=True, within=within)
    except KesuError as exc:
        return _set_aside(record, exc.message())
    note = ("未保存的附件：" + "、".join(done.left_out)) if done.left_out else ""
    return Outcome(InboundMessage.Outcome.REGISTERED, note, done.complaint)


def _set_aside(record: Callable[[Outcome], None], reason: str) -> Outcome:
    result = Outcome(InboundMessage.Outcome.SET_ASIDE, reason)
    record(result)
    return result


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
