"""Reports reach the CS manager and the GM on time — weekly from Monday, monthly by the 5th,
yearly in January — once each, caught up after downtime; and every figure opens the complaints
behind it."""

from __future__ import annotations

import pytest
from django.test import Client

from kesu.core.lifecycle import State
from kesu.notifications.models import Notification
from kesu.reports.tasks import deliver_reports
from tests.factories import bring_to
from tests.scenarios.conftest import at

pytestmark = pytest.mark.django_db


def test_reports_go_out_once_per_period_and_a_missed_monday_is_caught_up(p1, people):
    bring_to(State.HANDLING, people, at("2026-02-10 09:30"))
    assert deliver_reports(now=at("2026-03-11 09:00"))["sent"] == 6  # last week, February, 2025 × 2 readers
    assert deliver_reports(now=at("2026-03-11 10:00"))["sent"] == 0  # never twice
    monthly = Notification.objects.get(kind="report_monthly", recipient=people["zhangzong"])
    assert monthly.params["start"] == "2026-02-01" and monthly.params["received"] == 1
    # the server was down all Monday 16 March: Wednesday's run sends the week of 9–15 March
    assert deliver_reports(now=at("2026-03-18 08:00"))["sent"] == 2
    weekly = Notification.objects.filter(kind="report_weekly", recipient=people["zhoujl"]).order_by("-pk").first()
    assert (weekly.params["start"], weekly.params["end"]) == ("2026-03-09", "2026-03-15")


def test_every_figure_opens_the_complaints_behind_it(p1, people):
    c = bring_to(State.HANDLING, people, at("2026-03-10 09:30"))
    other = bring_to(State.HANDLING, people, at("2026-03-10 09:30"), complained="sales")
    gm = Client()
    gm.force_login(people["zhangzong"])
    report = gm.get("/reports/", {"start": "2026-03-01", "end": "2026-03-31"}).content.decode()
    assert "dimension=department" in report and "dimension=received" in report
    page = gm.get("/reports/complaints/", {"start": "2026-03-01", "end": "2026-03-31", "dimension": "department",
                                           "value": "售后服务部"}).content.decode()
    assert c.number in page and other.number not in page
    by_level = gm.get("/reports/complaints/", {"start": "2026-03-01", "end": "2026-03-31", "dimension": "level",
                                               "value": "非常不满意"}).content.decode()
    assert c.number in by_level and other.number in by_level
    assert "value=%E9%9D%9E%E5%B8%B8%E4%B8%8D%E6%BB%A1%E6%84%8F" in report  # the page links by the name it shows
    repeated = gm.get("/reports/complaints/", {"start": "2026-03-01", "end": "2026-03-31",
                                               "dimension": "repeated"}).content.decode()
    assert c.number in repeated and other.number in repeated  # the same customer (phone) twice
    everything = gm.get("/reports/complaints/", {"start": "2026-03-01", "end": "2026-03-31"}).content.decode()
    assert c.number in everything and other.number in everything
    manager = Client()
    manager.force_login(people["zhaojl"])  # the sales manager sees his own department's complaints only
    mine = manager.get("/reports/complaints/", {"start": "2026-03-01", "end": "2026-03-31"}).content.decode()
    assert other.number in mine and c.number not in mine


def test_the_policy_names_who_receives_the_reports(publish, people, now):
    from kesu.core.policy.io import PRESETS_DIR
    from kesu.policies.services import import_and_publish

    text = (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8") + "\nreporting:\n  recipients: [hr]\n"
    import_and_publish(text=text, actor=None, now=now)
    deliver_reports(now=at("2026-03-11 09:00"))
    assert set(Notification.objects.filter(kind__startswith="report_").values_list("recipient__username", flat=True)) \
        == {"churs"}
