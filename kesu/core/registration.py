"""The record template (SPEC F2): what a registration must contain, checked against the policy.

``clean_registration`` returns a cleaned copy or raises ValidationFailed listing every problem,
each naming its field — nothing is written before this passes.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from kesu.core.catalogues import DEMANDS
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.phone import normalise_phone
from kesu.core.policy.model import Policy, RecordField

EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
ANONYMOUS_CHANNELS = frozenset({"suggestion_box"})  # slips may be unsigned; every other channel needs a contact
LIMITS = {
    "customer_name": 60, "customer_region": 60, "customer_ref": 60, "product_name": 100, "product_model": 60,
    "order_number": 60, "occurred_place": 200, "customer_words": 20000,
}


@dataclass(frozen=True)
class RegistrationInput:
    channel: str
    customer_words: str  # the customer's own words, verbatim (no judgement)
    customer_name: str = ""
    customer_phone: str = ""
    customer_email: str = ""
    customer_region: str = ""
    customer_ref: str = ""  # member / card number
    product_name: str = ""
    product_model: str = ""
    order_number: str = ""
    purchase_date: date | None = None
    occurred_at: datetime | None = None
    occurred_place: str = ""
    amount_involved: Decimal | None = None
    demands: tuple[str, ...] = ()
    level: str = ""
    category: str = ""
    is_internal: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # the policy's industry fields


def clean_registration(policy: Policy, data: RegistrationInput, *, now: datetime) -> RegistrationInput:
    errors: list[KesuError] = []
    changes: dict[str, Any] = {}

    if not data.customer_words.strip():
        errors.append(KesuError("required", field="customer_words"))
    if data.channel not in policy.channels:
        errors.append(KesuError("not_one_of", field="channel", value=data.channel, allowed=", ".join(policy.channels)))
    if data.level and policy.level(data.level) is None:
        errors.append(KesuError("unknown_level", field="level", value=data.level))
    if data.category and data.category not in policy.category_codes():
        errors.append(KesuError("unknown_category", field="category", value=data.category))
    if data.customer_email.strip():
        email = data.customer_email.strip().lower()
        if not EMAIL.fullmatch(email) or len(email) > 254:
            errors.append(KesuError("bad_email", field="customer_email", value=data.customer_email))
        changes["customer_email"] = email
    contact = data.customer_name.strip() or data.customer_phone.strip() or data.customer_email.strip()
    if not contact and data.channel not in ANONYMOUS_CHANNELS:
        errors.append(KesuError("required", field="customer_phone"))
    if data.customer_phone.strip():
        try:
            changes["customer_phone"] = normalise_phone(data.customer_phone)
        except KesuError as exc:
            errors.append(exc)
    for name, limit in LIMITS.items():
        if len(getattr(data, name)) > limit:
            errors.append(KesuError("too_large", field=name, limit=f"{limit} 字"))
    for i, demand in enumerate(data.demands, 1):
        if demand not in DEMANDS:
            errors.append(KesuError("not_one_of", field=f"demands[{i}]", value=demand, allowed=", ".join(DEMANDS)))
    if data.amount_involved is not None and data.amount_involved < 0:
        errors.append(KesuError("too_small", field="amount_involved", limit=0))
    if data.occurred_at is not None:
        if data.occurred_at.tzinfo is None:
            errors.append(KesuError("bad_value", field="occurred_at", detail="缺少时区"))
        elif data.occurred_at > now:
            errors.append(KesuError("bad_value", field="occurred_at", detail="发生时间不能晚于登记时间"))
    if data.purchase_date is not None and data.purchase_date > now.date():
        errors.append(KesuError("bad_value", field="purchase_date", detail="购买日期不能晚于今天"))

    extra, extra_errors = _clean_extra(policy.record_fields, data.extra)
    errors += extra_errors
    changes["extra"] = extra
    if errors:
        raise ValidationFailed(errors)
    return dataclasses.replace(data, **changes)


def _clean_extra(fields: list[RecordField], raw: dict[str, Any]) -> tuple[dict[str, Any], list[KesuError]]:
    errors: list[KesuError] = []
    known = {f.code for f in fields}
    for key in raw:
        if key not in known:
            errors.append(KesuError("unknown_field", field=f"extra.{key}"))
    out: dict[str, Any] = {}
    for f in fields:
        value = raw.get(f.code)
        at = f"extra.{f.code}"
        if value is None or (isinstance(value, str) and not value.strip()):
            if f.required:
                errors.append(KesuError("required", field=at))
            continue
        if f.type == "number":
            try:
                out[f.code] = str(Decimal(str(value)))
            except InvalidOperation:
                errors.append(KesuError("bad_type", field=at, expected="数字", value=value))
        elif f.type == "date":
            try:
                day = value if isinstance(value, date) else date.fromisoformat(str(value))
                out[f.code] = day.isoformat()
            except ValueError:
                errors.append(KesuError("bad_type", field=at, expected="日期（YYYY-MM-DD）", value=value))
        elif f.type == "choice":
            if value not in f.choices:
                errors.append(KesuError("not_one_of", field=at, value=value, allowed=", ".join(f.choices)))
            else:
                out[f.code] = value
        else:
            text = str(value)
            if f.max_length and len(text) > f.max_length:
                errors.append(KesuError("too_large", field=at, limit=f"{f.max_length} 字"))
            out[f.code] = text
    return out, errors
