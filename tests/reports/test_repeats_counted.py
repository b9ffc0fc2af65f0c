"""Repeated complaints are counted in the reports (issue 17, Deliver 2): the complaints of a period
that kesu.intelligence flagged as repeating an earlier one within the policy's window — the same
customer by blind index, or the same problem by meaning — each once, by kind, by category and by
department; the figure is exactly the number of complaints flagged, on the page, in the xlsx and
behind the figure's link, and a repeat counts in the period of the complaint that repeats."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from django.test import Client
from openpyxl import load_workbook

from kesu import tasks
from kesu.complaints.models import Complaint
from kesu.intelligence.models import Repeat
from kesu.org.models import Department
from kesu.reports import figures
from kesu.reports.tasks import deliver_reports
from tests.factories import act, register
from tests.scenarios.conftest import at

pytestmark = pytest.mark.django_db
MARCH, APRIL = figures.month(2026, 3), figures.month(2026, 4)
ENGINE = "上周在你们店保养后，发动机故障灯又亮了，要求免费检修并给个说法。"

# (when, phone, words, department, category)
FACTS = [
    ("2026-02-25 10:00", "13900000011", "空调不制冷，修了三次还是坏", "after_sales", "repair_quality"),
    ("2026-03-03 10:00", "13900000011", "车辆交付时漆面有划痕", "sales", "vehicle_delivery"),  # same customer
    ("2026-03-04 10:00", "13900000012", ENGINE, "after_sales", "repair_quality"),
    ("2026-03-06 10:00", "13900000013", "上周在你们店保养后发动机故障灯又亮了！要求免费检修，给个说法",
     "after_sales", "repair_quality"),  # same problem, told by someone else
    ("2026-03-07 10:00", "13900000014", "销售顾问承诺送的脚垫一直没给", "sales", "sales_promise"),
    ("2026-03-08 10:00", "13900000015", "收费不透明，保险理赔拖了两个月还没结果", "after_sales", "charges"),
    ("2026-04-02 10:00", "13900000012", "轮胎鼓包，要求更换", "after_sales", "parts"),  # April's repeat
]


@pytest.fixture
def flagged(p1, people):  # type: ignore[no-untyped-def]
    made = []
    for when, phone, words, department, category in FACTS:
        c = register(people, at(when), customer_words=words, customer_phone=phone, complained=department)
        c = act(c, "classify", people["wangkf"], at(when), level="dissatisfied", category=category, validity="valid")
        made.append(act(c, "assign", people["wangkf"], at(when), department=department))
    # what the tasks do after commit: the same customer at registration, the same problem with the vectors
    tasks.run("intelligence.registered", complaint_ids=[c.pk for c in made])
    tasks.run("intelligence.vectors")
    return made


def flagged_in(period: figures.Period, **scope: object) -> set[int]:
    start, end = period.bounds()
    return set(Repeat.objects.filter(complaint__registered_at__gte=start, complaint__registered_at__lt=end,
                                     **{f"complaint__{k}": v for k, v in scope.items()})
               .values_list("complaint_id", flat=True))


def test_the_reports_repeat_figure_is_the_number_of_complaints_flagged_as_repeats(flagged):
    march = flagged_in(MARCH)
    assert march == {flagged[1].pk, flagged[3].pk}  # the customer again; the engine light told again
    r = figures.build(MARCH)
    assert r.repeats == len(march) == 2
    assert (r.repeats_same_customer, r.repeats_same_problem) == (1, 1)
    assert sorted(r.repeats_by_department) == [("售后服务部", 1), ("销售部", 1)]
    assert sorted(r.repeats_by_category) == [("repair_quality", 1), ("vehicle_delivery", 1)]
    assert set(figures.behind(MARCH, department_id=None, dimension="repeats", value="")
               .values_list("pk", flat=True)) == march
    # a department's report counts its own
    sales = Department.objects.get(code="sales")
    assert figures.build(MARCH, department_id=sales.pk).repeats == len(flagged_in(MARCH, department=sales)) == 1
    # April's complaint repeats March's customer: counted in April, when it came
    assert figures.build(APRIL).repeats == len(flagged_in(APRIL)) == 1
    # the earlier complaints themselves are not repeats
    assert not Repeat.objects.filter(complaint__in=[flagged[0], flagged[2]]).exists()


def test_the_page_the_xlsx_and_the_drilldown_show_the_same_repeat_figures(flagged, people):
    gm = Client()
    gm.force_login(people["zhangzong"])
    query = {"start": "2026-03-01", "end": "2026-03-31"}
    page = gm.get("/reports/", query).content.decode()
    tile = re.search(r'data-figure="repeats">(.*?)</div>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", tile).startswith("2重复投诉")
    by_category = re.search(r'data-section="repeats_category">(.*?)</section>', page, re.S).group(1)
    assert "维修质量" in by_category and "dimension=repeats_category" in by_category

    book = load_workbook(io.BytesIO(gm.get("/reports/", {**query, "format": "xlsx"}).content))
    summary = {row[0]: row[1] for row in book["概要"].iter_rows(min_row=2, values_only=True)}
    assert (summary["重复投诉"], summary["其中同一客户"], summary["其中同一问题"]) == (2, 1, 1)
    assert sorted(book["重复投诉按部门"].iter_rows(min_row=2, values_only=True)) == [("售后服务部", 1), ("销售部", 1)]

    behind = gm.get("/reports/complaints/", {**query, "dimension": "repeats"}).content.decode()
    numbers = {c.number for c in Complaint.objects.filter(pk__in=flagged_in(MARCH))}
    assert {n for n in re.findall(r'href="/c/(\w+)/"', behind)} == numbers
    link = next(unescape(href) for href in re.findall(r'href="([^"]*dimension=repeats_category[^"]*)"', by_category)
                if "%E7%BB%B4%E4%BF%AE%E8%B4%A8%E9%87%8F" in href)  # 维修质量
    one = gm.get(link).content.decode()
    assert re.findall(r'href="/c/(\w+)/"', one) == [flagged[3].number]


def test_the_scheduled_report_quotes_the_repeat_figure(flagged, people):
    from kesu.notifications.models import Notification

    deliver_reports(now=at("2026-04-02 09:00"))
    monthly = Notification.objects.filter(kind="report_monthly", recipient=people["zhangzong"]).get()
    assert monthly.params["repeats"] == figures.build(MARCH).repeats == 2
