"""Spreadsheet import (SPEC F3): xlsx or csv, one complaint per row, checked row by row before
anything is written. Either every row is valid and all are imported, or the user chooses to import
only the valid rows; the rest stay in the report with their reasons. Nothing is half-imported:
the rows go in through the one door together (``intake.register_batch``, one transaction).

Columns are named as the record template names its fields (渠道, 客户姓名, 客户电话, 客户原话 …, the
paper register's other names, English labels or codes) and as the policy names its own (房号 under
P5): ``names_by_label``. An unknown or missing required column refuses the whole file, naming it,
before any row is read. Each row is checked by ``intake.check`` — the same checks and messages as
every channel, prefixed with the row number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kesu.complaints import intake
from kesu.complaints.models import Complaint
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.messages import Said
from kesu.core.policy import Policy
from kesu.core.registration import FIELD_LABELS, names_by_label
from kesu.org.models import Staff
from kesu.policies.services import active_version, policy_of

REQUIRED = ("customer_words",)
NOT_COLUMNS = ("files",)  # attachments do not come in a sheet's cells
DEPARTMENTS = ("complained_department", "location")  # by department code
NOT_FIELDS = (*DEPARTMENTS, "unit")  # F16: a 业务单位 column names each row's business unit by code
MAX_ROWS = 5000
FILE = ("表格文件", "Spreadsheet file")  # how a refusal names the upload
MAX_BYTES = 10 * 1024 * 1024


def columns(policy: Policy, lang: str = "zh-hans") -> list[str]:
    """The headers a sheet may use, as the record template and the policy name them (in ``lang``)."""
    en = lang.startswith("en")
    return ([en_ if en else zh for name, (zh, en_) in FIELD_LABELS.items() if name not in NOT_COLUMNS]
            + [f.name_en if en and f.name_en else f.name for f in policy.record_fields])


@dataclass
class RowReport:
    row: int  # the spreadsheet's row number (the header is row 1)
    data: dict[str, Any]
    errors: list[Said] = field(default_factory=list)  # each in both languages: the page picks
    received: intake.Received | None = None

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
        raise KesuError("too_large", field="file", label=FILE, limit=f"{MAX_BYTES // 1024 // 1024} MB")
    lower = name.lower()
    if lower.endswith(".xlsx"):
        if not content.startswith(b"PK"):
            raise KesuError("attachment_content_mismatch", field="file", label=FILE, name=name)
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:
            raise KesuError("bad_value", field="file", label=FILE, detail=Said(f"无法读取该 Excel 文件：{exc}",
                                                                    f"the Excel file cannot be read: {exc}")) from None
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    if lower.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise KesuError("bad_value", field="file", label=FILE, detail=Said("CSV 既不是 UTF-8 也不是 GB18030 编码",
                                                                "the CSV is neither UTF-8 nor GB18030"))
        return [row for row in csv.reader(io.StringIO(text))]
    raise KesuError("not_one_of", field="file", label=FILE, value=name.rsplit(".", 1)[-1], allowed="xlsx, csv")


def header_map(policy: Policy, header: list[Any]) -> dict[int, str]:
    """Column → field name, by label (``names_by_label``); every unknown header is named."""
    names = names_by_label(policy)
    problems = []
    mapping: dict[int, str] = {}
    for i, cell in enumerate(header):
        h = str(cell).strip() if cell is not None else ""
        if not h:
            continue
        target = names.get(h) or names.get(h.lower())
        if target is None or target in NOT_COLUMNS:
            problems.append(KesuError("import_unknown_column", field="file", label=FILE, value=h,
                                      allowed=Said("、".join(columns(policy)), ", ".join(columns(policy, "en")))))
        elif target in mapping.values():
            first = next(str(header[j]).strip() for j, t in mapping.items() if t == target)
            problems.append(KesuError("bad_value", field="file", label=FILE, detail=Said(
                f"表头「{h}」与「{first}」是同一列", f"the headers '{h}' and '{first}' name the same column")))
        else:
            mapping[i] = target
    for required in REQUIRED:
        if required not in mapping.values():
            problems.append(KesuError("import_missing_column", field="file", label=FILE,
                                      value=Said(*FIELD_LABELS[required])))
    if problems:
        raise ValidationFailed(problems)
    return mapping


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers typed as numbers in Excel
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return value  # dates and times as Excel gives them: the door reads them


def check(name: str, content: bytes, *, now: datetime, default_channel: str = "import",
          actor: Staff | None = None) -> Report:
    """The sheet read and every row checked as a registration (nothing written), each under the
    policy in force for its business unit (the row's 业务单位 column, else the importer's unit).
    Refuses the whole file (KesuError) when it cannot be read or its columns are wrong."""
    policy = policy_of(active_version(getattr(actor, "unit_id", None)))
    table = read_table(name, content)
    if not table:
        raise KesuError("import_empty", field="file", label=FILE)
    mapping = header_map(policy, table[0])
    body = [r for r in table[1:] if any(c not in (None, "") for c in r)]
    if len(body) > MAX_ROWS:
        raise KesuError("too_large", field="file", label=FILE, limit=Said(f"{MAX_ROWS} 行", f"{MAX_ROWS} rows"))
    if not body:
        raise KesuError("import_empty", field="file", label=FILE)
    reports = []
    for number, raw in enumerate(table[1:], start=2):
        if not any(c not in (None, "") for c in raw):
            continue
        data: dict[str, Any] = {}
        for i, target in mapping.items():
            value = _cell(raw[i] if i < len(raw) else None)
            if value not in (None, ""):
                data[target] = value
        fields = {k: v for k, v in data.items() if k not in NOT_FIELDS}
        received = intake.Received(default_channel, fields, location=data.get("location"),
                                   complained_department=data.get("complained_department"), unit=data.get("unit"))
        errors: list[str] = []
        try:
            intake.check(received, now=now, actor=actor)
        except KesuError as exc:
            problems = exc.errors if isinstance(exc, ValidationFailed) else [exc]
            errors = [Said(f"第 {number} 行：{e.message()}", f"Row {number}: {e.message('en')}") for e in problems]
        reports.append(RowReport(number, data, errors, received))
    return Report(reports)


def import_rows(report: Report, *, actor: Staff, now: datetime, only_valid: bool,
                within: Callable[[Complaint], None] | None = None) -> list[Complaint]:
    """Register the rows together through the one door, in its one transaction: all of them (refused
    if any is invalid), or, when the user chose so, only the valid ones. ``within`` writes the
    import's own record in that transaction."""
    if report.invalid and not only_valid:
        raise KesuError("import_has_errors", field="file", label=FILE, count=len(report.invalid))
    batch = [r.received for r in report.valid if r.received is not None]
    if not batch:
        raise KesuError("import_empty", field="file", label=FILE)
    return intake.register_batch(batch, actor=actor, now=now, within=within)
