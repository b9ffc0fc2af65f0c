"""Issue 18: the corrective-actions report (纠正预防措施报告) downloads as xlsx and PDF like the other
reports, through their exporters: the same rows as the page, for the complaints the reader may see,
every cell text or a number — a department named like a formula stays text — and each export audited."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from kesu.audit.models import AuditEntry
from kesu.org.models import Department
from tests.workflow.test_capa import action

pytestmark = pytest.mark.django_db


def test_the_capa_report_downloads_as_xlsx_and_pdf_with_the_pages_rows(p1, people, now):
    a = action(people, now)
    Department.objects.filter(pk=a.department_id).update(name='=HYPERLINK("http://evil.example","点我")')
    page = Client()
    page.force_login(people["zhoujl"])
    sheet = page.get("/reports/capa/?format=xlsx")
    assert sheet.status_code == 200 and sheet["Content-Disposition"].startswith('attachment; filename="capa-')
    ws = load_workbook(io.BytesIO(sheet.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("负责部门", "未落实", "其中逾期")
    assert rows[1][1] == 1  # one measure not yet carried out, a number
    cell = ws.cell(row=2, column=1)
    assert cell.data_type == "s" and "HYPERLINK" in str(cell.value)  # text, never a formula
    pdf = page.get("/reports/capa/?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(kind__in=["export.capa_xlsx", "export.capa_pdf"]).count() == 2


def test_the_export_keeps_the_pages_gate(p1, people, now):
    action(people, now)
    page = Client()
    page.force_login(people["qianyg"])  # a front-line employee reads no reports
    assert page.get("/reports/capa/?format=xlsx").status_code == 403
