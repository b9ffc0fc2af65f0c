"""March 2026 built from known facts — complaints, clocks met and missed, return visits (one
complaint visited twice), a customer's rating, penalties (one waived, one booked late after
downtime, one incurred in April), a finding's penalty, a compensation — and every figure read
back from the report page, its xlsx and its PDF: computed once, equal in all three, no rate
above 100 %. A penalty counts in the month it was incurred, so February, March, the ledger and
the discipline list agree (docs/reports.md)."""

from __future__ import annotations

import io
import re
import subprocess
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from kesu import tasks
from kesu.clocks import ledger
from kesu.clocks.models import PenaltyEntry
from kesu.clocks.sweep import sweep
from kesu.complaints.models import Complaint
from kesu.portal import services as portal
from kesu.reports import figures
from kesu.workflow import services as workflow
from kesu.workflow.accountability import discipline_list
from tests.factories import act, register
from tests.scenarios.conftest import at

pytestmark = pytest.mark.django_db
MARCH, FEBRUARY, APRIL = figures.month(2026, 3), figures.month(2026, 2), figures.month(2026, 4)
REPEAT_CALLER = "13900000001"


def walk(c: Complaint, people, steps: list[tuple[str, str, str, dict]]) -> Complaint:  # type: ignore[no-untyped-def]
    """Take ``c`` through (when, action, who, arguments) steps; "@manager" is the department's manager."""
    for when, action, who, kwargs in steps:
        person = c.complained_department.manager if who == "@manager" else people[who]
        c = act(Complaint.objects.get(pk=c.pk), action, person, at(when), **kwargs)
    return c


def classified(day: str, minute: int = 5) -> tuple[str, str, str, dict]:
    return (f"{day}:{minute:02d}", "classify", "wangkf",
            {"level": "very_dissatisfied", "category": "repair_quality", "validity": "valid"})


@pytest.fixture
def march(p1, people):  # type: ignore[no-untyped-def]
    """The month's facts, in the order they happened (the sweep runs when the text says so)."""
    # D: registered 27 February; its 20-minute first contact breached that night, but the server
    # was down until 2 March, when the sweep booked the penalty: incurred in February.
    d = register(people, at("2026-02-27 23:00"), customer_phone="13900000004")
    walk(d, people, [classified("2026-02-27 23"),
                     ("2026-02-27 23:08", "assign", "wangkf", {"department": "after_sales"}),
                     ("2026-02-27 23:10", "accept", "@manager", {})])
    sweep(now=at("2026-03-02 08:00"))
    # A: met every clock; visited twice (not satisfied, then satisfied); signed off; rated 4 of 5.
    a = register(people, at("2026-03-02 09:00"), customer_phone=REPEAT_CALLER)
    a = walk(a, people, [
        classified("2026-03-02 09"), ("2026-03-02 09:08", "assign", "wangkf", {"department": "after_sales"}),
        ("2026-03-02 09:10", "accept", "@manager", {}),
        ("2026-03-02 09:12", "record_contact", "@manager", {"note": "已致电"}),
        ("2026-03-02 09:15", "agree_solution", "@manager", {"plan": "返修"}),
        ("2026-03-02 09:50", "record_progress_call", "chenhf", {"note": "跟进"}),
        ("2026-03-02 10:00", "return_result", "@manager", {"result": "已返修"}),
        ("2026-03-02 15:00", "record_return_visit", "chenhf", {"satisfied": False, "conversation": "仍有异响"}),
        ("2026-03-02 15:10", "accept", "@manager", {}),
        ("2026-03-02 15:20", "agree_solution", "@manager", {"plan": "再次返修"}),
        ("2026-03-02 15:25", "record_progress_call", "chenhf", {"note": "跟进"}),
        ("2026-03-02 15:30", "return_result", "@manager", {"result": "已再次返修"}),
        ("2026-03-03 10:00", "record_return_visit", "chenhf", {"satisfied": True, "conversation": "满意"}),
        ("2026-03-03 11:00", "sign_off", "zhoujl", {})])
    portal.rate(a, score=4, comment="", now=at("2026-03-03 12:00"))
    # B: the same caller again; never contacted: first contact and plan agreement missed (one
    # penalty: only the first contact carries one); a finding's penalty; a compensation.
    b = register(people, at("2026-03-05 10:00"), customer_phone=REPEAT_CALLER)
    b = walk(b, people, [classified("2026-03-05 10"),
                         ("2026-03-05 10:08", "assign", "wangkf", {"department": "after_sales"}),
                         ("2026-03-05 10:10", "accept", "@manager", {})])
    sweep(now=at("2026-03-05 11:00"))
    workflow.submit_investigation(b, actor=people["lijl"], now=at("2026-03-15 09:00"), findings=workflow.Findings(
        valid=True, cause="未按规程检修", course="经过", conclusion="维修质量问题", corrective="返修",
        responsible_staff=people["sunsf"], penalty="100"))
    approval = workflow.request_approval(Complaint.objects.get(pk=b.pk), actor=people["lijl"],
                                         now=at("2026-03-15 10:00"), kind="compensation", compensation_kind="cash",
                                         amount="200", plan="补偿 200 元")
    workflow.decide_approval(approval, actor=people["zhangzong"], now=at("2026-03-15 11:00"), approve=True)
    workflow.finance_review(approval, actor=people["wucw"], now=at("2026-03-16 09:00"), approve=True)
    # C: result returned, no return visit yet: the 24-hour second contact is missed; its penalty waived.
    c = register(people, at("2026-03-20 14:00"), customer_phone="13900000003")
    walk(c, people, [
        classified("2026-03-20 14"), ("2026-03-20 14:08", "assign", "wangkf", {"department": "after_sales"}),
        ("2026-03-20 14:10", "accept", "@manager", {}),
        ("2026-03-20 14:15", "record_contact", "@manager", {"note": "已致电"}),
        ("2026-03-20 14:16", "agree_solution", "@manager", {"plan": "返修"}),
        ("2026-03-20 14:40", "record_progress_call", "chenhf", {"note": "跟进"}),
        ("2026-03-20 15:00", "return_result", "@manager", {"result": "已返修"})])
    sweep(now=at("2026-03-21 16:00"))
    waived = PenaltyEntry.objects.get(complaint=c)
    ledger.waive(waived, actor=people["zhoujl"], now=at("2026-03-22 09:00"), reason="客户出差，约定延后回访")
    # F: answered as not valid within ten minutes: resolved, no clock decided.
    f = register(people, at("2026-03-25 10:00"), customer_phone="13900000006")
    walk(f, people, [("2026-03-25 10:03", "classify", "wangkf",
                      {"level": "dissatisfied", "category": "other", "validity": "enquiry"}),
                     ("2026-03-25 10:08", "answer_invalid", "wangkf", {"explanation": "属咨询，已解释"})])
    # E: received in the last minutes of March; its first contact falls due, and is missed, in April.
    e = register(people, at("2026-03-31 23:50"), customer_phone="13900000005")
    walk(e, people, [classified("2026-03-31 23", 52),
                     ("2026-03-31 23:55", "assign", "wangkf", {"department": "after_sales"}),
                     ("2026-03-31 23:56", "accept", "@manager", {})])
    sweep(now=at("2026-04-01 01:00"))
    # what the task does after each registration commits: B repeats A (the same caller, 3 days on)
    tasks.run("intelligence.registered", complaint_ids=[x.pk for x in (d, a, b, c, f, e)])
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


# What March holds, by the definitions of docs/reports.md.
EXPECTED = {
    "received": 5,  # A B C E F
    "previous": 1,  # D, 29 January – 28 February
    "year_before": 0,
    "resolved": 2,  # A signed off, F answered as not valid
    "resolution_rate": 40.0,
    "results_returned": 2,  # A (twice: one complaint) and C
    "visited": 1,  # A
    "callback_rate": 50.0,
    "visits": 2,  # A's two visits
    "satisfied_visits": 1,
    "satisfaction_rate": 50.0,
    "ratings": 1,
    "average_rating": 4.0,
    "repeated_customers": 1,  # A and B
    "repeats": 1,  # B, flagged as repeating A (kesu.intelligence)
    "repeats_same_customer": 1,
    "repeats_same_problem": 0,
    "carried_over": 1,  # D
    # met: A 9 (handoff, first response, 20-minute first contact, plan ×2, the progress call 40 minutes
    # after registration — once: it times the complaint, not a round —, 2 results, 2 second contacts),
    # B 1 (handoff), C 6 (its progress call at 14:40, 40 minutes in, counts), E 1 (handoff at 23:55);
    # missed: B first response, first contact, plan and progress call, C second contact
    "clocks_met": 17,
    "clocks_missed": 5,
    "on_time_rate": 77.3,
    "penalty_count": 2,  # B's first contact (30) and B's finding (100); C's waived, D's February's, E's April's
    "penalty_total": Decimal("130.00"),
    "compensation_total": Decimal("200.00"),
}


def test_the_months_figures_are_its_facts(march):
    r = figures.build(MARCH)
    assert {f.key: f.value for f in r.headline()} == EXPECTED
    assert dict((row["code"], (row["met"], row["missed"])) for row in r.on_time) == {
        "first_response": (2, 1), "first_contact": (2, 1), "second_response": (2, 1), "handoff": (4, 0),
        "plan_agreement": (2, 1), "progress_call": (2, 1), "result_return": (3, 0)}
    # the breach is the after-sales manager's; the finding names 孙师傅 of the repair team
    assert r.penalties == [("机电维修班组", 1, Decimal("100.00")), ("售后服务部", 1, Decimal("30.00"))]
    assert r.penalties_by_person == [("孙师傅", "机电维修班组", 1, Decimal("100.00")),
                                     ("李经理", "售后服务部", 1, Decimal("30.00"))]
    assert r.compensation == [("机电维修班组", Decimal("200.00"))]  # charged to the department found responsible
    assert sum(n for _, n in r.by_level) == sum(n for _, n in r.by_channel) == r.received


def test_a_penalty_counts_in_the_month_it_was_incurred_not_when_it_was_booked(march):
    late = PenaltyEntry.objects.get(complaint=march["d"])
    assert late.booked_at == at("2026-03-02 08:00") and late.clock.due_at == at("2026-02-27 23:20")
    assert figures.build(FEBRUARY).penalty_total == Decimal("30.00")  # D: breached on the 27th
    assert figures.build(APRIL).penalty_total == Decimal("30.00")  # E: due at 00:10 on 1 April
    # the ledger's month and the discipline list follow the same rule
    assert [e.complaint_id for e in ledger.penalties(month=at("2026-02-01").date())] == [march["d"].pk]
    assert {e.complaint_id for e in ledger.penalties(month=at("2026-03-01").date())} == {march["b"].pk,
                                                                                        march["c"].pk}
    assert discipline_list(2026, 2).total == Decimal("30.00")


def test_the_discipline_list_gives_totals_per_department_and_person_with_the_cases(march):
    listed = discipline_list(2026, 3)
    assert (listed.entries, listed.cases, listed.total) == (2, 1, Decimal("130.00"))
    assert [(d.name, d.clock_penalties, d.finding_penalties, d.total) for d in listed.departments.values()] == [
        ("机电维修班组", 0, Decimal("100.00"), Decimal("100.00")),  # 孙师傅's team: the finding
        ("售后服务部", Decimal("30.00"), 0, Decimal("30.00"))]  # the manager's breach
    people = [(p.name, p.total, [(c.number, c.total, c.closed) for c in p.cases.values()]) for p in listed.people()]
    assert people == [("孙师傅", Decimal("100.00"), [(march["b"].number, Decimal("100.00"), False)]),
                      ("李经理", Decimal("30.00"), [(march["b"].number, Decimal("30.00"), False)])]
    r = figures.build(MARCH)  # the report's penalties are the same money
    assert (r.penalty_count, r.penalty_total) == (listed.entries, listed.total)


def test_page_xlsx_and_pdf_show_every_figure_the_same(march, people, tmp_path):
    gm = Client()
    gm.force_login(people["zhangzong"])
    query = {"start": "2026-03-01", "end": "2026-03-31"}
    headline = figures.build(MARCH).headline()

    page = gm.get("/reports/", query).content.decode()
    for f in headline:
        tile = re.search(rf'data-figure="{f.key}">(.*?)</div>', page, re.S)
        assert tile, f.key
        shown = re.sub(r"<[^>]+>", "", tile.group(1))
        assert shown.startswith(f.text()) and str(f.label) in shown, (f.key, shown)

    book = load_workbook(io.BytesIO(gm.get("/reports/", {**query, "format": "xlsx"}).content))
    summary = {row[0]: row[1] for row in book["概要"].iter_rows(min_row=2, values_only=True)}
    assert summary == {str(f.label): (float(f.value) if isinstance(f.value, Decimal) else f.value) for f in headline}
    by_person = list(book["扣罚按人"].iter_rows(values_only=True))  # its header names people, not 部门
    assert by_person == [("责任人", "责任部门", "笔数", "金额（元）"), ("孙师傅", "机电维修班组", 1, 100),
                         ("李经理", "售后服务部", 1, 30)]

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(gm.get("/reports/", {**query, "format": "pdf"}).content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True,
                          text=True).stdout
    lines = text.splitlines()
    for f in headline:
        assert any(re.search(rf"{re.escape(str(f.label))}\s+{re.escape(f.text())}(\s|$)", line) for line in lines), \
            (f.key, f.text())
    for title in ("按级别（件）", "按类别（最常见的问题，件）", "时限按时率（%）", "扣罚 · 按责任人"):
        assert title in text, title


def test_no_rate_can_exceed_its_whole():
    assert figures.rate(2, 2) == 100.0 and figures.rate(0, 0) is None
    with pytest.raises(ValueError):
        figures.rate(67, 66)  # 回访率 101.5 % was all visits over the complaints received


def test_the_dashboard_counts_each_late_complaint_once_and_a_running_breach_as_missed(march, people):
    from kesu.web.workbench import dashboard_figures

    on_the_5th = dashboard_figures(at("2026-03-05 12:00"))
    assert on_the_5th["breaches_today"] == 1  # B: first contact and plan agreement went late today — one complaint
    r = figures.build(MARCH)  # this month so far: the report's rule, B's breached clocks still running included
    assert on_the_5th["finished"] == {"met": 17, "missed": 5, "total": 22, "rate": 77.3} == r.clocks

    on_april_1st = dashboard_figures(at("2026-04-01 09:00"))
    # open: A (signed off, awaiting review and archiving), B, C, D, E — F was answered as not valid
    assert on_april_1st["open_total"] == 5
    assert on_april_1st["breaches_today"] == 1  # E, two clocks late at 00:05 and 00:10 — once
    assert on_april_1st["overdue"] == 4  # B, C, D, E with a breached clock still running, each once
    assert on_april_1st["breaches_today"] <= on_april_1st["overdue"] <= on_april_1st["open_total"]
    # E's first response, 20-minute first contact, plan agreement and progress call (due by 00:50)
    assert on_april_1st["finished"] == {"met": 0, "missed": 4, "total": 4, "rate": 0.0}


def test_the_discipline_page_and_its_export_list_people_and_departments(march, people):
    hr = Client()
    hr.force_login(people["churs"])
    page = hr.get("/discipline/", {"month": "2026-03"}).content.decode()
    assert "孙师傅" in page and "李经理" in page and march["b"].number in page and "130.00" in page
    book = load_workbook(io.BytesIO(hr.get("/discipline/", {"month": "2026-03", "format": "xlsx"}).content))
    assert [row for row in book["按部门"].iter_rows(min_row=2, values_only=True)] == [
        ("机电维修班组", 1, 0, 100, 100), ("售后服务部", 1, 30, 0, 30), ("合计", 2, 30, 100, 130)]
    assert [row[:6] for row in book["按责任人"].iter_rows(min_row=2, values_only=True)] == [
        ("孙师傅", "机电维修班组", 1, 0, 100, 100), ("李经理", "售后服务部", 1, 30, 0, 30)]
    assert "2026-01 没有扣罚" in hr.get("/discipline/", {"month": "2026-01"}).content.decode()


def test_in_english_the_reports_clocks_go_by_the_policys_english_names(march, people):
    gm = Client()
    gm.force_login(people["zhangzong"])
    gm.post("/i18n/setlang/", {"language": "en", "next": "/reports/"})
    page = gm.get("/reports/", {"start": "2026-03-01", "end": "2026-03-31"}).content.decode()
    assert "First response" in page and "初次对应" not in page
    assert "Second response" in page and "二次对应" not in page
