"""Issue 18, business units: the penalty ledger (超时扣罚台账) and the discipline list (处罚名单) are
seen by unit as the queues are — a store's person sees their unit's entries and those of the
units below it, the group sees all — and so are their xlsx exports and the monthly notice to HR."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from openpyxl import load_workbook

from kesu.clocks.models import PenaltyEntry
from kesu.clocks.sweep import sweep
from kesu.complaints import intake, lifecycle
from kesu.core.roles import Role
from kesu.notifications.models import Notification
from kesu.ops.demo import load_demo_units
from kesu.org.models import StaffRole, Unit
from kesu.workflow.tasks import send_discipline_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def breached(p1, people, now):
    """One first-response breach in each 4S store and one at the group's head office: three
    penalties booked by the sweep, each to its own case's unit."""
    load_demo_units(people, now)
    numbers = {}
    for who in ("dongkf", "xidz", "wangkf"):
        c = intake.register(intake.Received("phone", {
            "customer_words": "保养后发动机故障灯又亮了。", "customer_name": "马先生",
            "customer_phone": "13812345678", "extra.plate_number": "京A12345"}), actor=people[who], now=now).complaint
        lifecycle.classify(c, actor=people[who if who != "dongkf" else "dongdz"], now=now, level="dissatisfied",
                           category="repair_quality", validity="valid")
        numbers[who] = c.number
    sweep(now=now + timedelta(hours=3))
    assert PenaltyEntry.objects.count() >= 3
    return numbers


def page(person, url: str):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(person)
    return client.get(url)


def numbers_in_xlsx(content: bytes) -> set[str]:
    wb = load_workbook(io.BytesIO(content))
    return {str(cell) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for cell in row
            if isinstance(cell, str) and cell.isdigit()}


def test_a_store_manager_sees_their_stores_penalties_in_the_ledger_and_its_export_the_group_all(
        breached, people):
    east = page(people["dongdz"], "/penalties/").content.decode()
    assert breached["dongkf"] in east and breached["xidz"] not in east and breached["wangkf"] not in east
    exported = numbers_in_xlsx(page(people["dongdz"], "/penalties/?format=xlsx").content)
    assert breached["dongkf"] in exported and breached["xidz"] not in exported
    group = page(people["zhoujl"], "/penalties/").content.decode()
    assert all(n in group for n in breached.values())


def test_a_store_manager_sees_their_stores_discipline_list_and_its_export_the_group_all(
        breached, people, now):
    month = f"?month={now:%Y-%m}"
    west = page(people["xidz"], "/discipline/" + month).content.decode()
    assert breached["xidz"] in west and breached["dongkf"] not in west
    exported = numbers_in_xlsx(page(people["xidz"], "/discipline/" + month + "&format=xlsx").content)
    assert breached["xidz"] in exported and breached["dongkf"] not in exported and breached["wangkf"] not in exported
    group = page(people["zhoujl"], "/discipline/" + month).content.decode()
    assert all(n in group for n in breached.values())


def test_the_monthly_discipline_notice_gives_a_stores_hr_their_store_and_the_groups_hr_all(
        breached, people, now):
    StaffRole.objects.create(staff=people["dongdz"], role=Role.HR)  # the east store's manager keeps its HR too
    send_discipline_list(now=now.replace(month=4, day=2))
    cases = {n.recipient.username: n.params["cases"] for n in Notification.objects.filter(kind="discipline_list")
             .select_related("recipient")}
    assert cases["churs"] == 3 and cases["dongdz"] == 1
    assert Unit.objects.get(code="store_east").pk == people["dongdz"].unit_id
