"""Email intake (SPEC F3): each new message in a polled mailbox becomes a complaint, or is added
to the complaint it answers, or is recognised as automatic mail, or is set aside with the reason.

* **Once.** A message is known by its Message-ID (or a hash of its bytes when it has none); the
  row recording it is written in the same transaction as the complaint it made, and a unique
  constraint stops a second worker. It is flagged \\Seen on the server only after that commit, so
  a failure halfway leaves it unseen and it is read again on the next poll — never lost; after
  ``MAX_FAILURES`` failures (counted in ``FailedAttempt``) it is set aside, never retried forever.
* **What could be read.** A part that cannot be read (a broken attachment, a text in an unknown
  charset beside a readable one, too deep a nesting) is named with the reason in the message's row
  and on the complaint's timeline, the raw message kept; the rest is registered. When handling
  raises with attachments, the message is taken again without them.
* **Whose.** A reply is matched by the 【客诉 number】 tag in its subject, or by In-Reply-To /
  References against the mail Kesu sent — and added to that complaint only when its sender is the
  complaint's customer (by address) or an active staff member; anyone else's makes a new complaint
  with a 待复核 note naming the complaint it quoted. A new message's customer is matched by
  address (their earlier complaints) and by a mobile number in the text.
* **Loops.** Auto-replies, bounces, mailing lists and Kesu's own mail coming back make nothing.
* **One door.** A new complaint is registered by kesu.complaints.intake like every channel's: a
  line such as 「房号：1203」 in the body fills that field of the record template (labels from
  ``names_by_label``); attachments the policy refuses are left out and named, never blocking the
  registration; a message the door refuses (a required field missing) is set aside with the door's
  own message and nothing else is written. The message's row and the acknowledgement are written
  inside the registration's transaction.
* **Both languages** (issue 13). Every reason the intake writes — on the message's row
  (``reason`` / ``reason_en``) and in the notes it adds to a timeline (``changes["reason_en"]``) —
  is made as a ``Said`` pair, the parser's too; what the customer or a staff member wrote is kept
  as written inside the English framing.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import IntegrityError, InterfaceError, OperationalError, transaction

from kesu.complaints import intake, lifecycle
from kesu.complaints.models import Complaint
from kesu.core.attachments import Upload, check_uploads
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.inbound import InboundMail, parse
from kesu.core.messages import Said
from kesu.core.policy import Policy
from kesu.core.registration import names_by_label
from kesu.mailin.models import FailedAttempt, InboundMessage, MailAccount
from kesu.notifications.models import OutboundEmail
from kesu.notifications.services import email_customer
from kesu.org.models import Staff, StaffRole

log = logging.getLogger(__name__)
MAIL_USERNAME = "mail-intake"
MAX_RAW_KEPT = 10 * 1024 * 1024  # a set-aside message is kept for handling by hand up to this size
MAX_FAILURES = 3  # a message whose handling raises this many times is set aside, not retried forever
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
    reason: str = ""  # why, as the Chinese reader reads it …
    complaint: Complaint | None = None
    reason_en: str = ""  # … and the English reader (issue 13)


def _outcome(outcome: str, why: Said | None = None, complaint: Complaint | None = None) -> Outcome:
    return Outcome(outcome, why.zh if why else "", complaint, why.en if why else "")


NOTHING = Said("", "")


def _both(*parts: Said) -> Said:
    """Reasons as one, in each language: 「甲；乙」 / "a; b" (empty ones left out)."""
    kept = [p for p in parts if p.zh]
    return Said("；".join(p.zh for p in kept), "; ".join(p.en for p in kept))


def _refused(exc: KesuError) -> Said:
    return Said(exc.message(), exc.message("en"))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def message_key(mail: InboundMail, raw: bytes) -> str:
    return mail.message_id[:300] if mail.message_id else "sha256:" + hashlib.sha256(raw).hexdigest()


def process(account: MailAccount, raw: bytes, *, now: datetime) -> Outcome:
    """Handle one message: its outcome and its row are written in one transaction (a registration's
    own). A message seen before returns its earlier outcome. When handling raises, the message is
    tried again without its attachments (one of them may be what breaks); failing still, the error
    is counted and raised (the message stays unseen), and after ``MAX_FAILURES`` it is set aside."""
    mail = parse(raw)
    key = message_key(mail, raw)
    earlier = InboundMessage.objects.filter(account=account, message_key=key).first()
    if earlier is not None:
        return Outcome("duplicate", earlier.outcome, earlier.complaint)
    try:
        try:
            return _handle(account, raw, mail, key, now=now)
        except IntegrityError:
            raise
        except Exception as exc:
            if not mail.attachments:
                raise
            log.warning("mail intake: %s failed with its attachments (%r); taking it without them", key, exc)
            kept_out = [_not_saved(a.name, exc) for a in mail.attachments]
            return _handle(account, raw, replace(mail, attachments=[], left_out=[*mail.left_out, *kept_out]),
                           key, now=now)
    except IntegrityError:  # another worker recorded it first
        earlier = InboundMessage.objects.filter(account=account, message_key=key).first()
        if earlier is None:
            raise
        return Outcome("duplicate", earlier.outcome, earlier.complaint)
    except (OperationalError, InterfaceError):  # the database itself: not the message's fault, not counted
        raise
    except Exception as exc:
        return _count_failure(account, raw, mail, key, exc, now=now)


def _count_failure(account: MailAccount, raw: bytes, mail: InboundMail, key: str, exc: Exception, *,
                   now: datetime) -> Outcome:
    """Count the failure outside the rolled-back work; raise it (read again next poll) until the
    ``MAX_FAILURES``-th, then set the message aside, kept raw, with the error as the reason."""
    with transaction.atomic():
        row, _ = FailedAttempt.objects.select_for_update().get_or_create(
            account=account, message_key=key, defaults={"last_at": now})
        row.attempts += 1
        row.last_error, row.last_at = repr(exc)[:2000], now
        row.save(update_fields=["attempts", "last_error", "last_at"])
    if row.attempts < MAX_FAILURES:
        raise exc
    result = _outcome(InboundMessage.Outcome.SET_ASIDE, Said(
        f"处理 {row.attempts} 次均出错，已搁置待人工处理（{type(exc).__name__}）",
        f"Handling failed {row.attempts} times; set aside to be handled by hand ({type(exc).__name__})"))
    with transaction.atomic():
        _recorder(account, raw, mail, key, now=now)(result)
    return result


def _recorder(account: MailAccount, raw: bytes, mail: InboundMail, key: str, *,
              now: datetime) -> Callable[[Outcome], InboundMessage]:
    """Write the message's row (or, called again, settle its outcome): the raw message is kept when
    it, or a part of it, was set aside."""
    rows: list[InboundMessage] = []

    def record(result: Outcome) -> InboundMessage:
        kept = result.outcome == InboundMessage.Outcome.SET_ASIDE or bool(mail.left_out)
        values = {"outcome": result.outcome, "reason": result.reason, "reason_en": result.reason_en,
                  "complaint": result.complaint,
                  "raw": raw if kept and len(raw) <= MAX_RAW_KEPT else b""}
        if rows and InboundMessage.objects.filter(pk=rows[-1].pk).update(**values):
            return rows[-1]  # settled in the same transaction
        rows.append(InboundMessage.objects.create(
            account=account, message_key=key, from_address=mail.from_address[:254], subject=mail.subject[:300],
            received_at=now, **values))
        FailedAttempt.objects.filter(account=account, message_key=key).delete()
        return rows[-1]

    return record


def _handle(account: MailAccount, raw: bytes, mail: InboundMail, key: str, *, now: datetime) -> Outcome:
    record = _recorder(account, raw, mail, key, now=now)
    result = _screen(mail)
    if result is None:
        known, how = _complaint_answered(mail)
        writer = _may_add_to(known, mail) if known is not None else None
        if known is not None and writer is not None:
            return _append(known, mail, now=now, record=record, writer=writer)
        review = NOTHING if known is None else Said(
            f"待复核：来信{how.zh}引用了投诉 {known.number}，但发件人 {mail.from_address} 不是该投诉的客户，"
            f"已登记为新投诉；请核实后再决定是否与投诉 {known.number} 合并处理",
            f"To review: the message quoted complaint {known.number} {how.en}, but its sender "
            f"{mail.from_address} is not that complaint's customer; it was registered as a new complaint — "
            f"check before deciding whether to handle it together with complaint {known.number}")
        return _register(mail, now=now, record=record, review=review, unit=account.unit_id)
    with transaction.atomic():  # no complaint: only the message's row
        record(result)
    return result


def _screen(mail: InboundMail) -> Outcome | None:
    """Mail that makes no complaint: automatic, unreadable or empty."""
    if mail.automatic:
        return _outcome(InboundMessage.Outcome.IGNORED, _sentence(mail.automatic))
    if mail.problems:
        return _outcome(InboundMessage.Outcome.SET_ASIDE, _sentence(_both(*mail.problems)))
    if not mail.text.strip() and not mail.attachments:
        return _outcome(InboundMessage.Outcome.SET_ASIDE, _both(
            Said("邮件没有正文", "The message has no text"), _left_out_note(mail.left_out)))
    return None


def _sentence(words: Said) -> Said:
    return Said(words.zh, _capital(words.en))


BY_SUBJECT = Said("在主题中", "in its subject")
BY_THREAD = Said("以回复关系", "by replying to its mail")
CUSTOMER = Said("客户", "The customer")


def _complaint_answered(mail: InboundMail) -> tuple[Complaint | None, Said]:
    """The complaint the message answers, and how it says so (the subject's tag or the thread)."""
    if mail.tagged_number:
        found = Complaint.objects.filter(number=mail.tagged_number).first()
        if found is not None:
            return found, BY_SUBJECT
    thread = [i for i in (mail.in_reply_to, *mail.references) if i]
    if thread:
        sent = OutboundEmail.objects.filter(message_id__in=thread, complaint__isnull=False).first()
        if sent is not None:
            return sent.complaint, BY_THREAD
        earlier = InboundMessage.objects.filter(message_key__in=thread, complaint__isnull=False).first()
        if earlier is not None:
            return earlier.complaint, BY_THREAD
    return None, NOTHING


def _may_add_to(c: Complaint, mail: InboundMail) -> Said | None:
    """Who may add to ``c`` by mail: its own customer (by the address it was registered with) —
    ``CUSTOMER`` — or an active staff member — 「员工 name」; None for anyone else (a stranger
    quoting its number makes a new complaint instead)."""
    sender = mail.from_address.strip().lower()
    if not sender:
        return None
    if c.customer_email and c.customer_email.strip().lower() == sender:
        return CUSTOMER
    staff = Staff.objects.filter(email__iexact=sender, is_active=True).first()
    if staff is None:
        return None
    name = staff.display_name or staff.username
    return Said(f"员工 {name} ", f"Staff member {name}")


def _left_out_note(left_out: list[Said], lead: Said = NOTHING) -> Said:
    """「未保存的附件或部分：甲、乙」 / "Attachments or parts not saved: a, b" (``lead`` before it)."""
    if not left_out:
        return NOTHING
    en = f"attachments or parts not saved: {', '.join(p.en for p in left_out)}"
    return Said(f"{lead.zh}未保存的附件或部分：{'、'.join(p.zh for p in left_out)}",
                f"{lead.en}{en}" if lead.en else _capital(en))


def _not_saved(name: str, exc: Exception) -> Said:
    return Said(f"{name}（保存时出错：{type(exc).__name__}）", f"{name} (could not be saved: {type(exc).__name__})")


def _refusals(name: str, errors: list[KesuError]) -> Said:
    """A file the policy refuses, with why: 「a.exe（…；…）」 / "a.exe (…; …)"."""
    return Said(f"{name}（{'；'.join(e.message() for e in errors)}）",
                f"{name} ({'; '.join(e.message('en') for e in errors)})")


def _append(c: Complaint, mail: InboundMail, *, now: datetime, record: Callable[[Outcome], InboundMessage],
            writer: Said = CUSTOMER) -> Outcome:
    """The customer's reply goes on the complaint's timeline, with what attachments fit; the message's
    row is written first, in the same transaction, so a second worker fails before any file is written.
    Files written for an addition that is then rolled back are deleted with it (no orphan on disk)."""
    actor = mail_actor()
    stored: list[str] = []
    try:
        with transaction.atomic():
            record(Outcome(InboundMessage.Outcome.APPENDED, "", c))
            try:
                with transaction.atomic():
                    # the system's framing in both languages; what they wrote as written
                    words = mail.text.strip()
                    text = f"{writer.zh}来信（{mail.subject}）：{words or '（附件）'}"[:4000]
                    text_en = f"{writer.en} wrote ({mail.subject}): {words or '(attachments)'}"[:4000]
                    if writer == CUSTOMER:
                        lifecycle.record_customer_input(c, kind="customer_added_info", actor=actor, now=now,
                                                        text=text, changes={"reason_en": [None, text_en]})
                    else:  # a staff member's mail is a note, not the customer's words
                        lifecycle.add_note(c, actor=actor, now=now, note=text, note_en=text_en)
                    left_out = [*mail.left_out, *_attach(c, mail, actor=actor, now=now, stored=stored)]
                    if left_out:
                        note = _left_out_note(left_out, Said("邮件中", "In the mail, "))
                        lifecycle.add_note(c, actor=actor, now=now, note=note.zh[:4000], note_en=note.en[:4000])
            except KesuError as exc:
                _delete_files(stored)
                result = _outcome(InboundMessage.Outcome.SET_ASIDE, Said(
                    f"不能追加到投诉 {c.number}：{exc.message()}",
                    f"Could not be added to complaint {c.number}: {exc.message('en')}"), c)
            else:
                result = _outcome(InboundMessage.Outcome.APPENDED, _left_out_note(left_out), c)
            record(result)
    except BaseException:
        _delete_files(stored)
        raise
    return result


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)
    names.clear()


def _attach(c: Complaint, mail: InboundMail, *, actor: Staff, now: datetime, stored: list[str]) -> list[Said]:
    """Keep the attachments the policy allows, one by one (each file's stored name into ``stored``);
    name those left out, each with the reason."""
    left_out: list[Said] = []
    for a in mail.attachments:
        try:
            with transaction.atomic():
                lifecycle.add_attachments(c, actor=actor, now=now, files=[lifecycle.FileIn(a.name, a.content)])
                stored.append(c.attachments.latest("pk").file.name)
        except ValidationFailed as exc:
            left_out.append(_refusals(a.name, exc.errors))
        except KesuError as exc:
            left_out.append(_refusals(a.name, [exc]))
        except (OSError, ValueError) as exc:  # the file cannot be stored: the rest of the reply is kept
            log.warning("mail intake: attachment %r of %s not stored: %r", a.name, mail.message_id, exc)
            left_out.append(_not_saved(a.name, exc))
    return left_out


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


def _register(mail: InboundMail, *, now: datetime, record: Callable[[Outcome], InboundMessage],
              review: Said = NOTHING, unit: int | None = None) -> Outcome:
    """A new complaint through the one door; refused, the message is set aside with the door's reason.
    Parts not read and files the policy refuses are named in the message's row and on the
    complaint's timeline (a note), and so is ``review`` (a stranger quoting another complaint)."""
    try:
        policy = intake.policy_in_force(unit)  # F16: the mailbox's unit's policy
    except KesuError as exc:
        return _set_aside(record, _refused(exc))
    if "email" not in policy.channels:
        return _set_aside(record, Said("现行制度未开放电子邮件投诉渠道",
                                       "The policy in force takes no complaints by email"))
    from kesu.complaints.fields import blind  # the address is stored encrypted: found by its blind index

    previous = (Complaint.objects.filter(email_index=blind("email", mail.from_address)).order_by("-registered_at")
                .values("customer_name", "customer_phone").first()) or {}
    lines = labelled_lines(policy, mail.text)
    guessed = set(lines) | {"customer_email"}  # read from the message: left out when the door refuses them
    phone = lines.get("customer_phone") or mail.phone_in_text()
    if phone:
        guessed.add("customer_phone")
    words = f"{mail.subject}\n{mail.text}".strip() if mail.subject else mail.text
    fields: dict[str, Any] = {
        **lines, "customer_words": words[:4000] or "（见附件）", "customer_email": mail.from_address,
        "customer_name": (lines.get("customer_name") or mail.from_name or previous.get("customer_name", ""))[:60],
        "customer_phone": phone or previous.get("customer_phone", ""),
    }
    files, left_out = [], list(mail.left_out)
    for a in mail.attachments:  # the door's own lenient check, done here so the timeline can name them
        f = lifecycle.FileIn(a.name, a.content)
        problems = check_uploads([Upload(f.name, len(f.content), f.content[:16])], policy.attachments,
                                 already=len(files))
        if problems:
            left_out.append(_refusals(f.name, problems))
        else:
            files.append(f)
    actor = mail_actor()

    def within(c: Complaint) -> None:  # in the registration's transaction
        reason = _both(review, _left_out_note(left_out))
        record(_outcome(InboundMessage.Outcome.REGISTERED, reason, c))
        if reason.zh:
            lifecycle.add_note(c, actor=actor, now=now, note=("邮件受理：" + reason.zh)[:4000],
                               note_en=("Mail intake: " + reason.en)[:4000])
        if fields.get("customer_email"):
            email_customer(
                complaint=c, to=mail.from_address, now=now, in_reply_to=mail.message_id, references=mail.references,
                subject=f"【客诉 {c.number}】已受理：{mail.subject}"[:200],
                body=(f"您好，您的来信已登记为投诉 {c.number}。我们将按《{policy.name}》的时限处理并与您联系。\n"
                      f"如需补充，请直接回复本邮件（请保留主题中的编号）。"))

    required = {f"extra.{f.code}" for f in policy.record_fields if f.required}
    try:
        try:
            done = intake.register(intake.Received("email", fields, files, unit=unit), actor=actor, now=now,
                                   lenient_files=True, within=within)
        except ValidationFailed as exc:
            refused = {(e.field or "").split("[", 1)[0] for e in exc.errors}
            if not refused or not refused <= guessed - required:
                raise
            # a wrong phone number or an unreadable date in the text, an address the door refuses:
            # registered without it (and, without an address, with no acknowledgement)
            fields = {k: v for k, v in fields.items() if k not in refused}
            done = intake.register(intake.Received("email", fields, files, unit=unit), actor=actor, now=now,
                                   lenient_files=True, within=within)
    except KesuError as exc:
        return _set_aside(record, _refused(exc))
    # the door's own list of files left out (Chinese only) stays empty: the mail checked them first
    door = [Said(x, x) for x in done.left_out]
    return _outcome(InboundMessage.Outcome.REGISTERED, _both(review, _left_out_note([*left_out, *door])),
                    done.complaint)


def _set_aside(record: Callable[[Outcome], InboundMessage], reason: Said) -> Outcome:
    result = _outcome(InboundMessage.Outcome.SET_ASIDE, reason)
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
