"""Issue 13, complete English: a department has an English name (as a business unit has) and English
pages use it — the filters and step choices, the complaint's page, the report's tables and their
drill-down — while Chinese pages keep the Chinese name."""

from __future__ import annotations

import pytest
from django.test import Client

from kesu.core.lifecycle import State
from tests.factories import bring_to
from tests.scenarios.conftest import at

pytestmark = pytest.mark.django_db
PERIOD = {"start": "2026-03-01", "end": "2026-03-31"}


def english(person) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(person)
    client.post("/i18n/setlang/", {"language": "en", "next": "/queue/"})
    return client


def test_an_english_page_names_the_department_in_english_and_a_chinese_page_in_chinese(p1, people):
    c = bring_to(State.HANDLING, people, at("2026-03-10 09:30"))
    page = english(people["zhoujl"]).get(f"/c/{c.number}/").content.decode()
    assert "After-sales service" in page and "售后服务部" not in page
    queue = english(people["zhoujl"]).get("/queue/?q=all").content.decode()
    assert "After-sales service" in queue  # the department filter
    chinese = Client()
    chinese.force_login(people["zhoujl"])
    assert "售后服务部" in chinese.get(f"/c/{c.number}/").content.decode()


def test_the_reports_department_table_reads_in_english_and_its_figure_opens_the_same_complaints(p1, people):
    c = bring_to(State.HANDLING, people, at("2026-03-10 09:30"))
    other = bring_to(State.HANDLING, people, at("2026-03-10 09:30"), complained="sales")
    gm = english(people["zhangzong"])
    report = gm.get("/reports/", PERIOD).content.decode()
    assert "After-sales service" in report and "售后服务部" not in report
    behind = gm.get("/reports/complaints/", {**PERIOD, "dimension": "department",
                                             "value": "After-sales service"}).content.decode()
    assert c.number in behind and other.number not in behind


def test_a_help_request_notice_names_the_department_in_the_readers_language(p1, people):
    from kesu.notifications.messages import render
    from kesu.notifications.models import Notification
    from kesu.workflow import services as workflow

    c = bring_to(State.HANDLING, people, at("2026-03-10 09:30"))
    workflow.request_assist(c, actor=people["lijl"], now=at("2026-03-10 10:00"), department="parts",
                            matter="请核实配件到货时间")
    note = Notification.objects.filter(kind="assist_requested", complaint=c).first()
    assert note is not None
    assert "Parts" in "".join(render(note.kind, note.params, "en"))
    assert "配件部" in "".join(render(note.kind, note.params, "zh-hans"))
