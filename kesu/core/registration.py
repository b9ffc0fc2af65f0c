"""The record template (SPEC F2): what a registration must contain, checked against the policy.

``clean_registration`` returns a cleaned copy or raises ValidationFailed listing every problem,
each naming its field — nothing is written before this passes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.messages import Said
from kesu.core.phone import normalise_phone
from kesu.core.policy.model import Policy, RecordField

# What a value should have been, or why it was refused, in English beside the Chinese: the error is
# rendered in the reader's language (kesu.core.messages.Said).
_WORDS_EN = {
    "缺少时区": "it has no time zone",
    "发生时间不能晚于登记时间": "it cannot be later than the registration",
    "购买日期不能晚于今天": "the purchase date cannot be later than today",
    "对象": "an object",
    "文字、数字或日期": "text, a number or a date",
    "文字": "text",
    "列表": "a list",
    "日期（如 2026-03-01）": "a date (e.g. 2026-03-01)",
    "日期时间（如 2026-03-10 09:30）": "a date and time (e.g. 2026-03-10 09:30)",
    "金额": "an amount",
    "金额（如 199.00）": "an amount (e.g. 199.00)",
    "金额最多两位小数": "at most two decimals",
    "是或否": "yes or no",
    "数字": "a number",
    "日期（YYYY-MM-DD）": "a date (YYYY-MM-DD)",
}


def _w(zh: str) -> Said:
    return Said(zh, _WORDS_EN[zh])

EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
ANONYMOUS_CHANNELS = frozenset({"suggestion_box"})  # slips may be unsigned; every other channel needs a contact
LIMITS = {
    "customer_name": 60, "customer_region": 60, "customer_ref": 60, "product_name": 100, "product_model": 60,
    "order_number": 60, "occurred_place": 200, "customer_words": 20000,
}


# How the record template names each field (the labels of the paper form, SPEC F2); errors name
# fields by these, never by their code.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "channel": ("渠道", "Channel"),
    "customer_words": ("客户原话", "Customer's words"),
    "customer_name": ("客户姓名", "Customer name"),
    "customer_phone": ("客户电话", "Customer phone"),
    "customer_email": ("客户邮箱", "Customer email"),
    "customer_region": ("客户地区", "Region"),
    "customer_ref": ("会员号", "Member number"),
    "product_name": ("产品名称", "Product"),
    "product_model": ("产品型号", "Model"),
    "order_number": ("订单/批号", "Order or batch number"),
    "purchase_date": ("购买日期", "Purchase date"),
    "occurred_at": ("发生时间", "When it happened"),
    "occurred_place": ("发生地点", "Where it happened"),
    "amount_involved": ("涉及金额", "Amount involved"),
    "demands": ("客户诉求", "Customer's demands"),
    "level": ("级别", "Level"),
    "category": ("类别", "Category"),
    "is_internal": ("内部投诉", "Internal complaint"),
    "complained_department": ("被投诉部门", "Department complained about"),
    "location": ("受理网点", "Receiving site"),
    "unit": ("业务单位", "Business unit"),
    "files": ("附件", "Attachments"),
    "attachments": ("附件", "Attachments"),  # check_uploads names each file attachments[i]
}
# Other names the paper registers and spreadsheets use for the same fields.
LABEL_ALIASES: dict[str, str] = {
    "投诉内容": "customer_words", "内容": "customer_words", "订单号": "order_number", "批号": "order_number",
    "电话": "customer_phone", "手机": "customer_phone", "手机号": "customer_phone", "姓名": "customer_name",
    "邮箱": "customer_email", "诉求": "demands", "金额": "amount_involved", "地区": "customer_region",
}
TEXT_FIELDS = ("customer_words", "customer_name", "customer_phone", "customer_email", "customer_region",
               "customer_ref", "product_name", "product_model", "order_number", "occurred_place")


def field_label(policy: Policy, name: str) -> tuple[str, str] | None:
    """The label of a registration field: the record template's, or the policy's own for its
    industry fields (``extra.unit_number`` → 房号)."""
    if name.startswith("extra."):
        code = name.split(".", 1)[1]
        f = next((f for f in policy.record_fields if f.code == code), None)
        return (f.name, f.name_en or f.name) if f else None
    base = name.split("[", 1)[0]
    return FIELD_LABELS.get(base)


def labelled(policy: Policy, errors: list[KesuError]) -> list[KesuError]:
    """The same errors, each naming its field by label."""
    for e in errors:
        if e.field and e.label is None:
            e.label = field_label(policy, e.field)
    return errors


def names_by_label(policy: Policy) -> dict[str, str]:
    """Label (Chinese or English, also the aliases) → field name, for channels that speak in labels:
    spreadsheet headers, 「房号：1203」 lines in a mail."""
    out = {**{en.lower(): k for k, (_zh, en) in FIELD_LABELS.items()},
           **{zh: k for k, (zh, _en) in FIELD_LABELS.items()}, **LABEL_ALIASES, **{k: k for k in FIELD_LABELS}}
    for f in policy.record_fields:
        out[f.name] = f"extra.{f.code}"
        out[f.code] = f"extra.{f.code}"
        if f.name_en:  # an English sheet's header (the upload page lists it so on English pages)
            out[f.name_en.lower()] = f"extra.{f.code}"
    return out


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
    if not contact and policy.channel_kind(data.channel) not in ANONYMOUS_CHANNELS:
        errors.append(KesuError("required", field="customer_phone"))
    if data.customer_phone.strip():
        try:
            changes["customer_phone"] = normalise_phone(data.customer_phone)
        except KesuError as exc:
            errors.append(exc)
    for name, limit in LIMITS.items():
        if len(getattr(data, name)) > limit:
            errors.append(KesuError("too_large", field=name, limit=Said(f"{limit} 字", f"{limit} characters")))
    demands = policy.demand_catalogue()
    for i, demand in enumerate(data.demands, 1):
        if demand not in demands:
            errors.append(KesuError("not_one_of", field=f"demands[{i}]", value=demand, allowed=", ".join(demands)))
    if data.amount_involved is not None and data.amount_involved < 0:
        errors.append(KesuError("too_small", field="amount_involved", limit=0))
    if data.occurred_at is not None:
        if data.occurred_at.tzinfo is None:
            errors.append(KesuError("bad_value", field="occurred_at", detail=_w("缺少时区")))
        elif data.occurred_at > now:
            errors.append(KesuError("bad_value", field="occurred_at", detail=_w("发生时间不能晚于登记时间")))
    if data.purchase_date is not None and data.purchase_date > now.date():
        errors.append(KesuError("bad_value", field="purchase_date", detail=_w("购买日期不能晚于今天")))

    # issue 18: the category's own form adds its fields (药品不良反应登记表); others' are refused. Not
    # classified yet, any category's form may be filled ahead — required once the category is set
    # (kesu.complaints.lifecycle.classify asks form_missing)
    fields = policy.fields_for(data.category) if data.category else [
        f.model_copy(update={"required": False}) if f.categories and f.required else f for f in policy.record_fields]
    extra, extra_errors = _clean_extra(fields, data.extra, others=policy.record_fields)
    errors += extra_errors
    changes["extra"] = extra
    if errors:
        raise ValidationFailed(labelled(policy, errors))
    return dataclasses.replace(data, **changes)


def form_missing(policy: Policy, category: str, extra: Mapping[str, Any]) -> list[KesuError]:
    """Issue 18: the required fields of ``category``'s own form (record_fields[].categories) that
    ``extra`` lacks, each refused by its label (「服用数量：必填」) — a complaint registered before it
    was classified must have its form filled when it is put in the category."""
    return labelled(policy, [KesuError("required", field=f"extra.{f.code}") for f in policy.fields_for(category)
                             if f.categories and f.required and str(extra.get(f.code) or "").strip() == ""])


def read_fields(policy: Policy, channel: str, fields: Mapping[str, Any], *, tz: tzinfo) -> RegistrationInput:
    """What a channel received, by field name, as a RegistrationInput — the one mapping every
    channel uses (SPEC F2/F3). Values may come as text (a form, a sheet, a mail) or typed (JSON):
    dates and times as ISO text, amounts as numbers or text, demands as a list or 「退款、道歉」,
    level, category and channel by code or by the policy's name, the industry fields as
    ``extra.<code>`` keys or an ``extra`` object. Every problem is reported at once, by label;
    ``clean_registration`` then checks the record template."""
    errors: list[KesuError] = []
    values: dict[str, Any] = {"channel": channel}
    extra: dict[str, Any] = {}
    for key, raw in fields.items():
        if key == "extra":
            if not isinstance(raw, Mapping):
                errors.append(KesuError("bad_type", field="extra", expected=_w("对象"), value=type(raw).__name__))
            else:
                extra.update(raw)
            continue
        if key.startswith("extra."):
            extra[key.split(".", 1)[1]] = raw
            continue
        if key not in _READERS:
            errors.append(KesuError("unknown_field", field=key))
            continue
        if isinstance(raw, str) and "\x00" in raw:  # no database keeps it in text (PostgreSQL refuses it)
            errors.append(KesuError("nul_character", field=key))
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            values[key] = _READERS[key](policy, raw, tz)
        except KesuError as exc:
            errors.append(exc)
    for code, value in extra.items():
        if isinstance(value, str) and "\x00" in value:
            errors.append(KesuError("nul_character", field=f"extra.{code}"))
        if isinstance(value, list | dict):
            errors.append(KesuError("bad_type", field=f"extra.{code}", expected=_w("文字、数字或日期"),
                                    value=type(value).__name__))
    if errors:
        raise ValidationFailed(labelled(policy, errors))
    values.setdefault("customer_words", "")  # missing: clean_registration says it is required, by label
    return RegistrationInput(**values, extra=extra)


def _text(name: str) -> Any:
    def read(policy: Policy, raw: Any, tz: tzinfo) -> str:
        if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
            raise KesuError("bad_type", field=name, expected=_w("文字"), value=type(raw).__name__)
        return str(raw).strip() if name != "customer_words" else str(raw)
    return read


def _read_channel(policy: Policy, raw: Any, tz: tzinfo) -> str:
    text: str = _text("channel")(policy, raw, tz)
    return next((code for code, names in policy.channel_catalogue().items() if text in names), text)


def _read_level(policy: Policy, raw: Any, tz: tzinfo) -> str:
    text: str = _text("level")(policy, raw, tz)
    return next((lv.code for lv in policy.levels if text in (lv.name, lv.name_en)), text)


def _read_category(policy: Policy, raw: Any, tz: tzinfo) -> str:
    text: str = _text("category")(policy, raw, tz)
    if text in policy.category_codes():
        return text
    return next((code for code in policy.category_codes()
                 if text in {n.name for n in policy.category_path(code)[-1:]}), text)


def _read_demands(policy: Policy, raw: Any, tz: tzinfo) -> tuple[str, ...]:
    items = re.split(r"[、,，;；\s]+", raw.strip()) if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple):
        raise KesuError("bad_type", field="demands", expected=_w("列表"), value=type(raw).__name__)
    out = []
    for item in items:
        text = str(item).strip()
        if text:
            out.append(next((code for code, names in policy.demand_catalogue().items() if text in names), text))
    return tuple(out)


def _read_date(policy: Policy, raw: Any, tz: tzinfo) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip().replace("/", "-")[:10])
    except ValueError:
        raise KesuError("bad_type", field="purchase_date", expected=_w("日期（如 2026-03-01）"), value=raw) from None


def _read_datetime(policy: Policy, raw: Any, tz: tzinfo) -> datetime:
    if isinstance(raw, datetime):
        parsed = raw
    else:
        try:
            parsed = datetime.fromisoformat(str(raw).strip().replace("/", "-").replace("Z", "+00:00"))
        except ValueError:
            raise KesuError("bad_type", field="occurred_at", expected=_w("日期时间（如 2026-03-10 09:30）"),
                            value=raw) from None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)  # a time as the customer says it: Beijing
    try:
        parsed.astimezone(UTC)  # 0001-01-01T00:00+23:00 has no UTC time: an OverflowError later
    except OverflowError:
        raise KesuError("bad_type", field="occurred_at", expected=_w("日期时间（如 2026-03-10 09:30）"),
                        value=raw) from None
    return parsed


def _read_amount(policy: Policy, raw: Any, tz: tzinfo) -> Decimal:
    if isinstance(raw, bool):
        raise KesuError("bad_type", field="amount_involved", expected=_w("金额"), value=raw)
    try:
        amount = Decimal(str(raw).strip().replace(",", "").removesuffix("元"))
    except InvalidOperation:
        raise KesuError("bad_type", field="amount_involved", expected=_w("金额（如 199.00）"), value=raw) from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise KesuError("bad_value", field="amount_involved", detail=_w("金额最多两位小数"))
    if abs(amount) >= MAX_AMOUNT:  # the column's 14 digits, 2 after the point (PostgreSQL overflows)
        raise KesuError("too_large", field="amount_involved", limit="999999999999.99")
    return amount


def _read_bool(policy: Policy, raw: Any, tz: tzinfo) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on", "是"):
        return True
    if text in ("0", "false", "no", "off", "否"):
        return False
    raise KesuError("bad_type", field="is_internal", expected=_w("是或否"), value=raw)


MAX_AMOUNT = Decimal("1000000000000")

_READERS: dict[str, Any] = {
    **{name: _text(name) for name in TEXT_FIELDS},
    "channel": _read_channel, "level": _read_level, "category": _read_category, "demands": _read_demands,
    "purchase_date": _read_date, "occurred_at": _read_datetime, "amount_involved": _read_amount,
    "is_internal": _read_bool,
}


def _clean_extra(fields: list[RecordField], raw: dict[str, Any],
                 others: Sequence[RecordField] = ()) -> tuple[dict[str, Any], list[KesuError]]:
    errors: list[KesuError] = []
    known = {f.code for f in fields}
    forms = {f.code: f for f in others}
    for key in raw:
        if key in forms and key not in known and raw[key] not in (None, ""):
            f = forms[key]
            errors.append(KesuError("field_not_for_category", field=f"extra.{key}", form=f.form or f.name,
                                    form_en=f.form_en or f.form or f.name_en or f.name))
        elif key not in known and key not in forms:
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
                errors.append(KesuError("bad_type", field=at, expected=_w("数字"), value=value))
        elif f.type == "date":
            try:
                day = value if isinstance(value, date) else date.fromisoformat(str(value))
                out[f.code] = day.isoformat()
            except ValueError:
                errors.append(KesuError("bad_type", field=at, expected=_w("日期（YYYY-MM-DD）"), value=value))
        elif f.type == "choice":
            if value not in f.choices:
                allowed = Said("、".join(f.choices), ", ".join(f.choice_label(c, "en") for c in f.choices))
                errors.append(KesuError("not_one_of", field=at, value=value, allowed=allowed))
            else:
                out[f.code] = value
        else:
            text = str(value)
            if f.max_length and len(text) > f.max_length:
                limit = Said(f"{f.max_length} 字", f"{f.max_length} characters")
                errors.append(KesuError("too_large", field=at, limit=limit))
            out[f.code] = text
    return out, errors
