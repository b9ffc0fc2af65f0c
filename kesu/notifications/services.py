"""notify(): the inbox row and the outbox email, in the caller's transaction; deliver(): mail out.

Delivery claims each email with a conditional UPDATE, sends it outside any transaction, and
records the outcome; a failure is retried with backoff, so a domain change is never lost or sent
twice because the mail server misbehaved.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from kesu.notifications.messages import header_text, render
from kesu.notifications.models import Notification, OutboundEmail
from kesu.tasks import enqueue

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
STALE_CLAIM = timedelta(minutes=5)


def notify(
    *, recipients: Iterable[Any], kind: str, now: datetime, complaint: Any = None,
    params: dict[str, Any] | None = None, dedupe_key: str | None = None, email: bool = True,
    fold_after: int | None = None,
) -> list[Notification]:
    """Write one inbox notification (and email) per recipient; a repeated ``dedupe_key`` is a no-op.
    ``fold_after`` (issue 13): a person who already has that many notices of ``kind`` today gets
    this one folded into their one digest of the day (``<kind>_digest``) instead of a new notice."""
    params = params or {}
    made = []
    for person in {r.pk: r for r in recipients if r is not None}.values():
        key = f"{dedupe_key}:{person.pk}" if dedupe_key else None
        if fold_after is not None and _fold_into_digest(person, kind, now, complaint, params, key, fold_after):
            continue
        try:
            with transaction.atomic():  # a savepoint, so a duplicate key doesn't spoil the caller
                note = Notification.objects.create(recipient=person, kind=kind, complaint=complaint, params=params,
                                                   created_at=now, dedupe_key=key)
        except IntegrityError:
            if key and Notification.objects.filter(dedupe_key=key).exists():
                continue
            raise
        made.append(note)
        if email and person.email:
            subject, body = render(kind, params)  # the subject made safe for a header by render
            OutboundEmail.objects.create(to_address=person.email, subject=subject[:200], body=body, notification=note,
                                         created_at=now, next_attempt_at=now)
    if made and email:
        enqueue("notifications.deliver")
    return made


def _fold_into_digest(person: Any, kind: str, now: datetime, complaint: Any, params: dict[str, Any],
                      key: str | None, after: int) -> bool:
    """Fold a notice into the person's digest of the day when they already have ``after`` of its
    kind today; True when folded (or already there)."""
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if key and Notification.objects.filter(dedupe_key=key).exists():
        return True  # told already, one by one
    if Notification.objects.filter(recipient=person, kind=kind, created_at__gte=start,
                                   created_at__lt=start + timedelta(days=1)).count() < after:
        return False
    day = local.strftime("%Y-%m-%d")
    number = params.get("number") or (complaint.number if complaint is not None else "")
    digest_key = f"{kind}_digest:{person.pk}:{day}"
    with transaction.atomic():
        digest = Notification.objects.select_for_update().filter(dedupe_key=digest_key).first()
        if digest is None:
            Notification.objects.create(recipient=person, kind=f"{kind}_digest", created_at=now, dedupe_key=digest_key,
                                        params={"date": day, "count": 1, "numbers": [number]})
            return True
        numbers = list(digest.params.get("numbers", []))
        if number in numbers:
            return True
        numbers.append(number)
        digest.params = {**digest.params, "numbers": numbers, "count": len(numbers)}
        digest.read_at = None  # unread again: something new in it
        digest.save(update_fields=["params", "read_at"])
    return True


def unread_for(user: Any) -> Any:
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


def email_customer(*, complaint: Any, to: str, subject: str, body: str, now: datetime, in_reply_to: str = "",
                   references: tuple[str, ...] = ()) -> OutboundEmail:
    """Queue a mail to a customer in the caller's transaction (sent after commit, retried). Its
    Message-ID is fixed now, so the customer's reply can be matched to the complaint; the subject
    carries the complaint's tag 【客诉 number】 for mail clients that drop the headers."""
    in_reply_to = header_text(in_reply_to)[:300]
    references = tuple(r for r in (header_text(r) for r in references) if r)
    mail = OutboundEmail.objects.create(
        to_address=header_text(to), subject=header_text(subject)[:200], body=body, created_at=now,
        next_attempt_at=now, complaint=complaint,
        message_id=f"<kesu-{complaint.number}-{uuid.uuid4().hex[:12]}@{DNS_NAME}>", in_reply_to=in_reply_to,
        references=" ".join([*references, *([in_reply_to] if in_reply_to and in_reply_to not in references else [])]))
    enqueue("notifications.deliver")  # after commit
    return mail


def mark_read(user: Any, ids: Iterable[int], now: datetime) -> int:
    return Notification.objects.filter(recipient=user, pk__in=list(ids), read_at__isnull=True).update(read_at=now)


def deliver(*, now: datetime, limit: int = 100) -> dict[str, int]:
    """Send pending emails whose time has come. Safe to run in several processes at once."""
    OutboundEmail.objects.filter(state=OutboundEmail.State.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        state=OutboundEmail.State.PENDING)  # a sender died mid-send: try again
    counts = {"sent": 0, "failed": 0, "retry": 0}
    ids = list(OutboundEmail.objects.filter(state=OutboundEmail.State.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    connection = None
    for pk in ids:
        claimed = OutboundEmail.objects.filter(pk=pk, state=OutboundEmail.State.PENDING).update(
            state=OutboundEmail.State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        if not claimed:
            continue  # another sender has it
        mail = OutboundEmail.objects.get(pk=pk)
        message_id = mail.message_id or f"<kesu-outbox-{mail.pk}@{DNS_NAME}>"
        try:
            connection = connection or get_connection(timeout=settings.EMAIL_TIMEOUT)
            headers = {"Message-ID": message_id, "X-Kesu-Loop": "1", "Auto-Submitted": "auto-generated"}
            if mail.in_reply_to:
                headers["In-Reply-To"] = header_text(mail.in_reply_to)
            if mail.references:
                headers["References"] = header_text(mail.references)
            # header_text again: a row queued before headers were made safe still goes out
            EmailMessage(header_text(mail.subject), mail.body, settings.DEFAULT_FROM_EMAIL,
                         [header_text(mail.to_address)], headers=headers, connection=connection).send()
        except Exception as exc:
            connection = None
            final = mail.attempts >= MAX_ATTEMPTS
            OutboundEmail.objects.filter(pk=pk).update(
                state=OutboundEmail.State.FAILED if final else OutboundEmail.State.PENDING,
                last_error=repr(exc)[:2000], message_id=message_id,
                next_attempt_at=now + timedelta(seconds=min(30 * 2 ** (mail.attempts - 1), 3600)),
            )
            counts["failed" if final else "retry"] += 1
            log.warning("email %s to %s failed (attempt %s): %r", pk, mail.to_address, mail.attempts, exc)
            continue
        OutboundEmail.objects.filter(pk=pk).update(state=OutboundEmail.State.SENT, sent_at=timezone.now(),
                                                   message_id=message_id, last_error="")
        counts["sent"] += 1
    return counts
