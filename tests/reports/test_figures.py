"""The analysis report's figures, each by its definition (docs/reports.md), computed in the
database: volumes, trend, on-time rate per clock, resolution, satisfaction, repeats, carry-over,
penalties and compensation — and an empty month that says so."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from kesu.clocks.sweep import sweep
from kesu.core.errors import KesuError
from kesu.core.lifecycle import State
from kesu.reports import figures
from kesu.workflow import services as workflow
from tests.factories import bring_to, register
from tests.scenarios.conftest import at

pytestmark = pytest.mark.django_db
MARCH = figures.month(2026, 3)


def test_a_month_of_complaints_in_figures(p1, people):
    t = at("2026-03-10 09:30")
    satisfied = bring_to(State.SATISFIED, people, t)  # same phone as the next two: a repeat customer
    bring_to(State.REOPENED, people, t)
    handling = bring_to(State.HANDLING, people, t, customer_phone="13911112222")
    register(people, at("2026-02-20 10:00"), customer_phone="13700000000")  # carried over from February
    sweep(now=t + timedelta(hours=2))  # no first contact in the flow: the first-response clocks breach
    a = workflow.request_approval(handling, actor=people["lijl"], now=t, kind="compensation",
                                  compensation_kind="cash", amount="200", plan="补偿")
    workflow.decide_approval(a, actor=people["zhangzong"], now=t + timedelta(minutes=5), approve=True)
    workflow.finance_review(a, actor=people["wucw"], now=t + timedelta(minutes=30), approve=True)

    r = figures.build(MARCH)
    assert (r.received, r.previous, r.year_before) == (3, 1, 0)
    assert dict(r.by_level) == {"very_dissatisfied": 3} and dict(r.by_channel) == {"phone": 3}
    assert r.resolved == 1 and r.resolution_rate == 33.3  # only the satisfied one is closed
    assert (r.visits, r.satisfied_visits, r.satisfaction_rate) == (2, 1, 50.0)
    assert r.repeated_customers == 1 and r.carried_over == 1
    handoff = next(row for row in r.on_time if row["code"] == "handoff")
    assert (handoff["met"], handoff["total"], handoff["rate"]) == (3, 3, 100.0)
    assert handoff["average_minutes"] == 10.0  # bring_to assigns 10 minutes after registration
    assert r.penalties_by_person and all(person for person, *_ in r.penalties_by_person)  # booked to a person
    assert r.penalties == [("售后服务部", 3, 90)] and dict(r.compensation) == {"售后服务部": 200}
    assert satisfied.number  # the figures' complaints are listed on the page by their filters


def test_one_departments_report_counts_only_its_complaints(p1, people):
    bring_to(State.HANDLING, people, at("2026-03-10 09:30"))
    bring_to(State.HANDLING, people, at("2026-03-10 09:30"), complained="sales")
    from kesu.org.models import Department

    sales = Department.objects.get(code="sales")
    assert figures.build(MARCH, department_id=sales.pk).received == 1
    assert figures.build(MARCH).received == 2


def test_an_empty_month_is_an_empty_report_not_a_division_by_zero(p1, people):
    r = figures.build(figures.month(2026, 1))
    assert r.empty and r.received == 0 and r.resolution_rate is None and r.satisfaction_rate is None


def test_a_backwards_or_future_range_is_refused():
    with pytest.raises(KesuError, match="早于开始日期"):
        figures.checked(date(2026, 3, 10), date(2026, 3, 1), date(2026, 3, 20))
    with pytest.raises(KesuError, match="在未来"):
        figures.checked(date(2026, 4, 1), date(2026, 4, 30), date(2026, 3, 20))


def test_the_page_its_export_and_who_may_see_what(p1, people):
    bring_to(State.HANDLING, people, at("2026-03-10 09:30"))
    gm = Client()
    gm.force_login(people["zhangzong"])
    page = gm.get("/reports/", {"start": "2026-03-01", "end": "2026-03-31"}).content.decode()
    assert "投诉分析报告" in page and "时限按时率" in page
    xlsx = gm.get("/reports/", {"start": "2026-03-01", "end": "2026-03-31", "format": "xlsx"})
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(xlsx.content))
    assert book["概要"]["B2"].value == 1 and book["概要"]["A1"].value == "指标"
    assert "早于开始日期" in gm.get("/reports/", {"start": "2026-03-10", "end": "2026-03-01"}).content.decode()
    manager = Client()
    manager.force_login(people["zhaojl"])  # sales manager: his own department only
    from kesu.org.models import Department

    after_sales = Department.objects.get(code="after_sales")
    assert manager.get("/reports/", {"department": after_sales.pk}).status_code == 403
    assert manager.get("/reports/").status_code == 200
    agent = Client()
    agent.force_login(people["wangkf"])
    assert agent.get("/reports/").status_code == 403


def test_charts_on_the_page_and_the_report_as_pdf_with_them(p1, people, tmp_path):
    import subprocess

    bring_to(State.HANDLING, people, at("2026-03-10 09:30"))
    gm = Client()
    gm.force_login(people["zhangzong"])
    page = gm.get("/reports/", {"start": "2026-03-01", "end": "2026-03-31"}).content.decode()
    assert page.count("<figure>") == 3 and "<svg" in page and "按级别" in page
    pdf = gm.get("/reports/", {"start": "2026-03-01", "end": "2026-03-31", "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout
    for expected in ("投诉分析报告", "2026-03-01 至 2026-03-31", "受理量", "按级别", "非常不满意", "时限按时率"):
        assert expected in text, expected
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))
    empty = gm.get("/reports/", {"start": "2026-01-01", "end": "2026-01-31", "format": "pdf"})
    path.write_bytes(empty.content)
    assert "该期间没有投诉" in subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
