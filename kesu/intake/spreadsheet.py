"""Spreadsheet import (SPEC F3): xlsx or csv, one complaint per row, checked row by row before
anything is written. Either every row is valid and all are imported, or the user chooses to import
only the valid rows; the rest stay in the report with their reasons. Nothing is half-imported:
the rows go in one transaction.

Columns are named in Chinese as the paper register names them (渠道, 客户姓名, 客户电话, 客户原话 …);
an unknown or missing required column refuses the whole file before any row is read.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core.catalogues import CHANNELS
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.policy import Policy
from kesu.core.registration import RegistrationInput, clean_registration
from kesu.org.models import Staff

# Chinese header → RegistrationInput field (English headers are accepted too)
COLUMNS: dict[str, str] = {
    "渠道": "channel", "客户姓名": "customer_name", "客户电话": "customer_phone", "客户邮箱": "customer_email",
    "客户原话": "customer_words", "投诉内容": "customer_words", "级别": "level", "类别": "category",
    "订单号": "order_number", "产品名称": "product_name", "产品型号": "product_model", "发生地点": "occurred_place",
    "发生时间": "occurred_at", "购买日期": "purchase_date", "客户地区": "customer_region", "会员号": "customer_ref",
}
REQUIRED = ("customer_words",)
MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024


@dataclass
class RowReport:
    row: int  # the spreadsheet's row number (the header is row 1)
    data: dict[str, Any]
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Report:
    rows: list[RowReport]

    @property
    def valid(self) -> list[RowReport]:
        return [r for r in self.rows if r.ok]

    @property
    def invalid(self) -> list[RowReport]:
        return [r for r in self.rows if not r.ok]


def read_table(name: str, content: bytes) -> list[list[Any]]:
    """The sheet as rows of cells. CSV may be UTF-8 (with or without BOM) or GB18030 (Excel in China)."""
    if len(content) > MAX_BYTES:
        raise KesuError("too_large", field="file", limit=f"{MAX_BYTES // 1024 // 1024} MB")
    lower = name.lower()
    if lower.endswith(".xlsx"):
        if not content.startswith(b"PK"):
            raise KesuError("attachment_content_mismatch", field="file", name=name)
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:
            raise KesuError("bad_value", field="file", detail=f"无法读取该 Excel 文件：{exc}") from None
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    if lower.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise KesuError("bad_value", field="file", detail="CSV 既不是 UTF-8 也不是 GB18030 编码")
        return [row for row in csv.reader(io.StringIO(text))]
    raise KesuError("not_one_of", field="file", value=name.rsplit(".", 1)[-1], allowed="xlsx, csv")


def header_map(header: list[Any]) -> dict[int, str]:
    names = [str(h).strip() if h is not None else "" for h in header]
    problems = []
    mapping: dict[int, str] = {}
    english = set(COLUMNS.values())
    for i, h in enumerate(names):
        if not h:
            continue
        target = COLUMNS.get(h) or (h if h in english else None)
        if target is None:
            problems.append(KesuError("import_unknown_column", field="file", value=h,
                                      allowed="、".join(COLUMNS)))
        else:
            mapping[i] = target
    for required in REQUIRED:
        if required not in mapping.values():
            problems.append(KesuError("import_missing_column", field="file", value="客户原话"))
    if problems:
        raise ValidationFailed(problems)
    return mapping


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers typed as numbers in Excel
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return str(value)
    return value


def check(policy: Policy, name: str, content: bytes, *, now: datetime, default_channel: str = "import") -> Report:
    table = read_table(name, content)
    if not table:
        raise KesuError("import_empty", field="file")
    mapping = header_map(table[0])
    body = [r for r in table[1:] if any(c not in (None, "") for c in r)]
    if len(body) > MAX_ROWS:
        raise KesuError("too_large", field="file", limit=f"{MAX_ROWS} 行")
    if not body:
        raise KesuError("import_empty", field="file")
    tz = ZoneInfo(settings.TIME_ZONE)
    labels = {v[0]: k for k, v in CHANNELS.items()}
    level_names = {lv.name: lv.code for lv in policy.levels}
    reports = []
    for number, raw in enumerate(table[1:], start=2):
        if not any(c not in (None, "") for c in raw):
            continue
        data: dict[str, Any] = {"channel": default_channel}
        errors: list[str] = []
        for i, target in mapping.items():
            value = _cell(raw[i] if i < len(raw) else None)
            if value in (None, ""):
                continue
            if target == "channel":
                value = labels.get(str(value).strip(), str(value).strip())
            elif target == "level":
                value = level_names.get(str(value).strip(), str(value).strip())
            elif target == "occurred_at":
                value = _when(value, tz, errors)
            elif target == "purchase_date":
                value = _day(value, errors)
            else:
                value = str(value).strip()
            if value is not None:
                data[target] = value
        if not errors:
            try:
                clean_registration(policy, RegistrationInput(**data), now=now)
            except ValidationFailed as exc:
                errors += [e.message() for e in exc.errors]
        reports.append(RowReport(number, data, errors))
    return Report(reports)


def _when(value: Any, tz: ZoneInfo, errors: list[str]) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError:
        errors.append(f"发生时间「{value}」不是日期时间（如 2026-03-10 09:30）")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _day(value: Any, errors: list[str]) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError:
        errors.append(f"购买日期「{value}」不是日期（如 2026-03-01）")
        return None


def import_rows(report: Report, *, actor: Staff, now: datetime, only_valid: bool) -> list[Complaint]:
    """Register the rows in one transaction: all of them (refused if any is invalid), or, when the
    user chose so, only the valid ones."""
    if report.invalid and not only_valid:
        raise KesuError("import_has_errors", field="file", count=len(report.invalid))
    made = []
    with transaction.atomic():
        for row in report.valid:
            made.append(lifecycle.register_complaint(actor=actor, now=now, data=RegistrationInput(**row.data)))
    return made
