"""Taking a case's personal data away (issue 14): what retention and a customer's erasure do to
one complaint, in one transaction, as a kernel step with its own timeline event.

Kept, so that every report reads the same before and after: the number, category, level,
validity, channel, dates, departments and staff, status, clocks, penalties, approvals and amounts,
the product, the demands, every event's kind, time, actor and statuses. The customer's phone is
replaced by a random alias shared by the complaints anonymised together (``Aliases``): the monthly
report counts repeat customers by phone, and a customer's two complaints of one month stay two
complaints of one (unknown) customer. The alias is random, not derived from the number, so
nothing leads back to it.

Taken away:
* the customer's name, e-mail, member / card number and order number (blanked), the phone
  (aliased); the record fields the policy marks ``identifies_customer`` (plate, VIN, room);
* ``archive``: the customer's words, the place and the other record fields scrubbed of personal
  data (kesu.privacy.scrub); ``purge``: the words removed (〔已删除〕), the place and every other
  record field blanked;
* the timeline: every earlier event's text scrubbed (``archive``) or removed (``purge``), and the
  personal fields in its ``changes`` replaced by 〔已匿名〕 (the one UPDATE the append-only trigger
  lets through, for a case listed in privacy_anonymised: kesu/privacy/migrations/0001), recorded
  in the audit chain as one ``complaint.redacted`` entry with the events' new digests;
* the attachments (photos, recordings, documents: they cannot be scrubbed), files and rows;
* the e-mails sent to the customer's address about the case; the raw copy and sender of mail
  that came in for it; the parameters of the notices and messages about it (a step's reason
  quoted) scrubbed; the handling records' texts (transfers, help, investigation, approvals,
  rewards) scrubbed of the customer's data in both modes — they are the company's own record —
  each rewritten row's new digest an entry of the audit chain;
* the case's search entry, written again from what is left;
* what the layers above keep of it (the signal ``anonymised``: kesu.intelligence forgets the
  case's vector, library entry and suggestion words; an erasure also the repeat links and the
  learned model that read the words).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Literal

from django.db import transaction
from django.dispatch import Signal

from kesu.audit import services as audit_services
from kesu.complaints import lifecycle, search
from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.core.errors import KesuError
from kesu.core.policy import Policy
from kesu.org.models import Staff
from kesu.privacy.models import Anonymised
from kesu.privacy.scrub import HIDDEN, REMOVED, scrub, scrub_value

Mode = Literal["archive", "purge"]
BLANKED = ("customer_name", "customer_email", "customer_ref", "order_number")
PERSONAL = ("customer_phone", *BLANKED, "customer_words", "occurred_place", "extra")  # hidden on events
# Event changes that are codes, ids, dates or amounts: never scrubbed (a date is not a phone number)
STRUCTURAL = frozenset({"status", "level", "category", "validity", "is_internal", "department_id", "owner_id",
                        "responsible_staff_id", "responsible_department_id", "purchase_date", "occurred_at",
                        "amount_involved", "demands", "product_name", "product_model", "contacts", "rounds"})
HANDLING_TEXTS = {
    "Transfer": ("reason",), "AssistRequest": ("matter", "answer"),
    "InvestigationReport": ("cause", "course", "conclusion", "corrective", "preventive"),
    "Approval": ("plan", "decision_note", "finance_note"), "Reward": ("reason",),
}


# Sent inside the anonymising transaction, after the case's own data is gone: what the layers above
# keep of a case's text elsewhere (kesu.intelligence: its meaning vector, its case-library entry,
# the words its suggestions quoted, a customer's repeat links, the learned model) goes with it.
# Arguments: complaint, kind (retention_anonymised | customer_erased), mode, now.
anonymised = Signal()


class Aliases:
    """One random alias per phone for the complaints anonymised together."""

    def __init__(self) -> None:
        self._by_phone: dict[str, str] = {}

    def __call__(self, phone: str) -> str:
        if not phone:
            return ""
        if phone not in self._by_phone:
            self._by_phone[phone] = f"匿名-{secrets.token_hex(5)}"
        return self._by_phone[phone]


def known_values(c: Complaint, policy: Policy) -> list[str]:
    """What the case holds as the customer's own: replaced wherever it appears in a text."""
    values = [c.customer_name, c.customer_phone, c.customer_email, c.customer_ref, c.order_number]
    if c.customer_email and "@" in c.customer_email:
        values.append(c.customer_email.split("@", 1)[0])
    for field in policy.record_fields:
        value = (c.extra or {}).get(field.code)
        if field.identifies_customer and isinstance(value, str):
            values.append(value)
    return [v for v in values if v]


def anonymise(complaint: Complaint, *, kind: str, mode: Mode, actor: Staff | None, now: datetime, reason: str,
              aliases: Aliases, reason_en: str = "") -> dict[str, int]:
    """Anonymise one case (its row locked by the kernel step); what was removed, by count."""
    from kesu.notifications.models import OutboundEmail

    removed = {"events": 0, "attachments": 0, "emails": 0}
    known: list[str] = []
    email = ""
    with transaction.atomic():

        def change(c: Complaint, policy: Policy) -> None:
            nonlocal email
            if c.legal_hold:  # read under the row lock: a hold set a moment ago wins
                raise KesuError("privacy_on_hold", number=c.number)
            if c.anonymised_at is not None:
                raise KesuError("privacy_already_anonymised", number=c.number)
            known.extend(known_values(c, policy))
            email = c.customer_email
            identifying = {f.code for f in policy.record_fields if f.identifies_customer}
            c.customer_phone = aliases(c.customer_phone)
            for name in BLANKED:
                setattr(c, name, "")
            if mode == "archive":
                c.customer_words = scrub(c.customer_words, known)
                c.occurred_place = scrub(c.occurred_place, known)
                c.extra = {k: "" if k in identifying else scrub_value(v, known) for k, v in (c.extra or {}).items()}
            else:
                c.customer_words = REMOVED
                c.occurred_place = ""
                c.extra = {k: "" for k in (c.extra or {})}
            c.anonymised_at = now
            attachments = list(c.attachments.all())
            for att in attachments:
                att.file.storage.delete(att.file.name)
            removed["attachments"] = c.attachments.all().delete()[0] if attachments else 0

        c = lifecycle.privacy_step(complaint, kind, actor=actor, now=now, reason=reason, change=change,
                                   hidden=PERSONAL, extra={"mode": ["", mode],
                                                           **({"reason_en": [None, reason_en]} if reason_en else {})})
        Anonymised.objects.create(complaint=c, at=now, kind=kind)
        rewritten = _redact_timeline(c, mode, known)
        removed["events"] = len(rewritten)
        # the audit chain: the earlier events' new digests, after the step's own event (verify
        # accepts the rewrite because it follows that step: docs/privacy.md "Audit chain")
        audit_services.record_redaction(c, step=c.event_seq, actor=actor, now=now,
                                        events=list(ComplaintEvent.objects.filter(pk__in=rewritten).order_by("seq")))
        if email:
            removed["emails"] = OutboundEmail.objects.filter(complaint=c, to_address__iexact=email).delete()[0]
        _scrub_records(c, known, actor=actor, now=now)
        search.refresh(c)
        anonymised.send(sender=Complaint, complaint=c, kind=kind, mode=mode, now=now)
    return removed


def _redact_timeline(c: Complaint, mode: Mode, known: list[str]) -> list[int]:
    """The earlier events' texts scrubbed or removed; the ids of those rewritten."""
    rewritten = []
    for pk, text, changes in (ComplaintEvent.objects.filter(complaint=c, seq__lt=c.event_seq)
                              .values_list("pk", "reason", "changes")):
        new_text = (REMOVED if text.strip() else text) if mode == "purge" else scrub(text, known)
        new_changes = {k: _redacted_change(k, v, known) for k, v in (changes or {}).items()}
        if mode == "purge" and "reason_en" in new_changes:  # the English of a removed text goes with it
            new_changes["reason_en"] = [None, ""]
        if new_text != text or new_changes != changes:
            ComplaintEvent.objects.filter(pk=pk).update(reason=new_text, changes=new_changes)
            rewritten.append(pk)
    return rewritten


def _redacted_change(key: str, value: Any, known: list[str]) -> Any:
    if key in PERSONAL:
        return [HIDDEN, HIDDEN] if isinstance(value, list) and len(value) == 2 else HIDDEN
    if key in STRUCTURAL:
        return value
    return scrub_value(value, known)


def _scrub_records(c: Complaint, known: list[str], *, actor: Staff | None, now: datetime) -> None:
    from kesu.mailin.models import InboundMessage
    from kesu.workflow import models as workflow

    InboundMessage.objects.filter(complaint=c).update(raw=b"", from_address="")
    # the reason may name the sender (a stranger's mail marked 待复核), in both languages
    for message in InboundMessage.objects.filter(complaint=c):
        InboundMessage.objects.filter(pk=message.pk).update(subject=scrub(message.subject, known),
                                                            reason=scrub(message.reason, known),
                                                            reason_en=scrub(message.reason_en, known))
    from kesu.notifications.models import Delivery, Dispatch, Notification

    for model in (Dispatch, Delivery, Notification):  # what was told about the case (a step's reason …)
        for pk, params in model.objects.filter(complaint=c).exclude(params={}).values_list("pk", "params"):
            cleaned = scrub_value(params, known)
            if cleaned != params:
                model.objects.filter(pk=pk).update(params=cleaned)
    for model_name, fields in HANDLING_TEXTS.items():
        model = getattr(workflow, model_name)
        for row in model.objects.filter(complaint=c).values("pk", *fields):
            cleaned = {f: scrub(row[f] or "", known) for f in fields}
            if any(cleaned[f] != (row[f] or "") for f in fields):
                model.objects.filter(pk=row["pk"]).update(**cleaned)
                audit_services.record_rows(model, [row["pk"]], actor=actor, now=now)  # its new digest
