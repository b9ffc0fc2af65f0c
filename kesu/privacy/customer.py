"""A customer's own data (issue 14, deliverable 6; PIPL art. 45 and 47).

Staff with the right role (kesu.privacy.rules: the CS manager, the system administrator) find one
customer by phone or e-mail and

* export everything Kesu holds on them — each complaint with its fields, its whole timeline, the
  list of its attachments, the customer's ratings and what they added from the portal, the
  e-mails sent to them — as JSON and as an xlsx workbook (every cell written through
  kesu.core.sinks.append_row, so a customer's 「=HYPERLINK(…)」 stays text);
* erase it where the policy allows (``retention.erasure_allowed``): each of their complaints that
  is closed (signed off, reviewed, archived, or answered as not valid) and not on legal hold is
  anonymised as a purge does (kesu.privacy.anonymise); an open case is still being handled and
  is listed, not erased (close it first), a held case is kept.

Both are recorded: the export once (who, when, which cases, why), the erasure on every case's
timeline (应客户请求删除个人信息) and once for the request. The record names the cases and a masked
phone, never the data.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from kesu.complaints.fields import blind
from kesu.complaints.models import Complaint
from kesu.core import sinks
from kesu.core.errors import KesuError
from kesu.core.lifecycle import CLOSED_STATES, State, event_label, state_label
from kesu.core.messages import Said
from kesu.core.phone import mask_phone, normalise_phone
from kesu.org.models import Staff
from kesu.policies.services import policy_of
from kesu.privacy import rules
from kesu.privacy.anonymise import Aliases, anonymise
from kesu.privacy.record import record

REASON = ("原因", "Reason")  # how the page names the reason's field
ERASABLE = frozenset({*CLOSED_STATES, State.INVALID_ANSWERED})
FIELDS = (
    ("number", "投诉编号"), ("status", "状态"), ("channel", "渠道"), ("registered_at", "登记时间"),
    ("customer_name", "客户姓名"), ("customer_phone", "客户电话"), ("customer_email", "客户邮箱"),
    ("customer_region", "地区"), ("customer_ref", "会员/卡号"), ("product_name", "产品/服务"),
    ("product_model", "型号"), ("order_number", "订单/批号"), ("purchase_date", "购买日期"),
    ("customer_words", "客户原话"), ("occurred_at", "发生时间"), ("occurred_place", "发生地点"),
    ("amount_involved", "涉及金额"), ("demands", "客户诉求"), ("extra", "行业字段"),
    ("level", "级别"), ("category", "类别"), ("department", "责任部门"),
    ("legal_hold", "法律保全"), ("anonymised_at", "匿名化时间"),
)


@dataclass(frozen=True)
class Customer:
    """Who is asked about: a phone (normalised as registration stores it), an e-mail and/or a
    member / card number — each found through its blind index."""

    phone: str = ""
    email: str = ""
    ref: str = ""

    @classmethod
    def parse(cls, phone: str = "", email: str = "", ref: str = "") -> Customer:
        phone, email, ref = (phone or "").strip(), (email or "").strip().lower(), (ref or "").strip()
        if not phone and not email and not ref:
            raise KesuError("privacy_lookup_required", field="phone", label=("客户电话", "Customer phone"))
        if email and ("@" not in email or len(email) > 254):
            raise KesuError("bad_email", field="email", label=("客户邮箱", "Customer e-mail"), value=email)
        if len(ref) > 60:
            raise KesuError("too_long", field="ref", label=("会员/卡号", "Member / card number"), limit=60)
        return cls(normalise_phone(phone, field="phone") if phone else "", email, ref)

    @property
    def masked(self) -> str:
        """How the records name the customer: never the value itself."""
        if self.phone:
            return mask_phone(self.phone)
        if self.email:
            local, _, domain = self.email.partition("@")
            return f"{local[:1]}***@{domain}"
        return f"{self.ref[:2]}***{self.ref[-2:]}" if len(self.ref) > 6 else "***"


def complaints_of(customer: Customer) -> QuerySet[Complaint]:
    """Every complaint of this customer, oldest first (by phone or e-mail, exactly)."""
    same = Q(pk__in=[])
    if customer.phone:
        same |= Q(phone_index=blind("phone", customer.phone))  # encrypted fields: by their blind index
    if customer.email:
        same |= Q(email_index=blind("email", customer.email))
    if customer.ref:
        same |= Q(ref_index=blind("ref", customer.ref))
    return Complaint.objects.filter(same).select_related("department").order_by("registered_at", "id")


def _value(c: Complaint, name: str) -> Any:
    if name == "status":
        return state_label(c.status)
    if name == "department":
        return c.department.name if c.department else ""
    value = getattr(c, name)
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is not None and not isinstance(value, str | bool | int | list | dict):
        return str(value)
    return value


def collect(customer: Customer) -> dict[str, Any]:
    """Everything Kesu holds on the customer, as JSON-ready data."""
    from kesu.notifications.models import OutboundEmail

    out: list[dict[str, Any]] = []
    for c in complaints_of(customer).prefetch_related("events", "attachments"):
        events = [{"seq": e.seq, "at": timezone.localtime(e.at).isoformat(), "event": event_label(e.kind),
                   "kind": e.kind, "text": e.reason, "changes": e.changes} for e in c.events.all()]
        emails = OutboundEmail.objects.filter(complaint=c, to_address__iexact=c.customer_email) \
            if c.customer_email else OutboundEmail.objects.none()
        out.append({
            "fields": {label: _value(c, name) for name, label in FIELDS},
            "timeline": events,
            "attachments": [{"name": a.name, "size": a.size, "sha256": a.sha256,
                             "uploaded_at": timezone.localtime(a.uploaded_at).isoformat()}
                            for a in c.attachments.all()],
            "ratings": [e for e in events if e["kind"] == "customer_rating"],
            "added_by_customer": [e for e in events if e["kind"] == "customer_added_info"],
            "emails_sent": [{"to": m.to_address, "subject": m.subject, "body": m.body, "state": m.state,
                             "created_at": timezone.localtime(m.created_at).isoformat()} for m in emails],
        })
    return {"customer": {"phone": customer.phone, "email": customer.email, "member_number": customer.ref},
            "complaints": out}


def export(customer: Customer, *, actor: Staff, now: datetime, reason: str, fmt: str) -> tuple[bytes, str]:
    """The customer's data as ``json`` or ``xlsx`` (bytes, content type), the export recorded."""
    rules.check_customer_data(actor)
    if fmt not in ("json", "xlsx"):
        raise KesuError("not_one_of", field="format", label=("格式", "Format"), value=fmt, allowed="json, xlsx")
    if not reason.strip():
        raise KesuError("reason_required", field="reason", label=REASON,
                        action=Said("导出客户个人信息", "exporting a customer's data"))
    data = collect(customer)
    if not data["complaints"]:
        raise KesuError("privacy_customer_unknown")
    with transaction.atomic():
        record("customer_export", actor=actor, now=now, reason=reason, customer=customer.masked, format=fmt,
               cases=[c["fields"]["投诉编号"] for c in data["complaints"]])
    if fmt == "json":
        return (json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"), "application/json")
    return _workbook(data), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook(data: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    cases = wb.active
    cases.title = "投诉"
    sinks.append_row(cases, [label for _, label in FIELDS])
    timeline, files, mails = wb.create_sheet("时间线"), wb.create_sheet("附件"), wb.create_sheet("发给客户的邮件")
    sinks.append_row(timeline, ["投诉编号", "序号", "时间", "事件", "说明", "变更"])
    sinks.append_row(files, ["投诉编号", "文件名", "大小（字节）", "SHA-256", "上传时间"])
    sinks.append_row(mails, ["投诉编号", "收件人", "主题", "正文", "状态", "时间"])
    for c in data["complaints"]:
        f = c["fields"]
        number = f["投诉编号"]
        sinks.append_row(cases, [json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                                 for v in f.values()])
        for e in c["timeline"]:
            sinks.append_row(timeline, [number, e["seq"], e["at"], e["event"], e["text"],
                                        json.dumps(e["changes"], ensure_ascii=False) if e["changes"] else ""])
        for a in c["attachments"]:
            sinks.append_row(files, [number, a["name"], a["size"], a["sha256"], a["uploaded_at"]])
        for m in c["emails_sent"]:
            sinks.append_row(mails, [number, m["to"], m["subject"], m["body"], m["state"], m["created_at"]])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@dataclass
class Erasure:
    erased: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # on legal hold: kept
    open: list[str] = field(default_factory=list)  # still being handled: kept
    not_allowed: list[str] = field(default_factory=list)  # their policy does not allow erasure
    done_before: list[str] = field(default_factory=list)  # anonymised already


def plan_erasure(customer: Customer) -> Erasure:
    plan = Erasure()
    for c in complaints_of(customer).select_related("policy_version"):
        if c.anonymised_at is not None:
            plan.done_before.append(c.number)
        elif c.legal_hold:
            plan.held.append(c.number)
        elif State(c.status) not in ERASABLE:
            plan.open.append(c.number)
        elif not policy_of(c.policy_version).retention.erasure_allowed:
            plan.not_allowed.append(c.number)
        else:
            plan.erased.append(c.number)
    return plan


def erase(customer: Customer, *, actor: Staff, now: datetime, reason: str) -> Erasure:
    """Erase the customer's data from every case that may be erased; all or nothing."""
    rules.check_customer_data(actor)
    if not reason.strip():
        raise KesuError("reason_required", field="reason", label=REASON,
                        action=Said("删除客户个人信息", "erasing a customer's data"))
    plan = plan_erasure(customer)
    if not any((plan.erased, plan.held, plan.open, plan.not_allowed, plan.done_before)):
        raise KesuError("privacy_customer_unknown")
    aliases = Aliases()
    with transaction.atomic():
        # Every case locked first, by id, before anything is written: the first case's step appends
        # to the audit chain (PostgreSQL: the chain's lock, held to commit), so locking the next
        # case only then would wait for a step on it that waits for the chain — a deadlock. By id,
        # as the kernel locks two cases (a merge), so two erasures over overlapping cases queue.
        locked = list(Complaint.objects.select_for_update().filter(number__in=plan.erased).order_by("pk")
                      .values_list("pk", "number", "anonymised_at", "legal_hold"))
        for pk, number, anonymised_at, legal_hold in locked:  # as they are now, under the lock
            if anonymised_at is not None or legal_hold:  # erased or held meanwhile (another request)
                plan.erased.remove(number)
                (plan.done_before if anonymised_at is not None else plan.held).append(number)
                continue
            anonymise(Complaint.objects.get(pk=pk), kind="customer_erased", mode="purge", actor=actor,
                      now=now, reason=reason, aliases=aliases)
        record("customer_erased", actor=actor, now=now, reason=reason, customer=customer.masked,
               cases=plan.erased, held=plan.held, open=plan.open, not_allowed=plan.not_allowed)
    return plan
