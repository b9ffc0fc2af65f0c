"""Industry identifiers (the plate: a record field marked identifies_customer) follow the ID
numbers' rule — a reader who may see those only masked sees 京A***45, on the detail page, in the
customer's words and on a printed form; the customer's tracking page shows no personal data at
all; and no xlsx export (penalty ledger, discipline list, report) carries a customer's data."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from kesu.access.shown import printable, reader, shown_to
from kesu.clocks.models import PenaltyEntry
from kesu.core import personal
from kesu.core.lifecycle import State
from kesu.ops.demo import PEOPLE
from tests.factories import bring_to

pytestmark = pytest.mark.django_db
PLATE = "京A12345"
FULL = {"wangkf", "chenhf", "zhoujl", "zhangzong", "lijl", "liudl"}  # as the default policy says


@pytest.fixture
def case(p1, people):  # type: ignore[no-untyped-def]
    return bring_to(State.HANDLING, people, timezone.now(), customer_words=f"车牌{PLATE}的车修了三次还是异响")


def client_of(person) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(person)
    return client


def test_a_plate_is_masked_like_an_id_number():
    assert personal.mask_identifier(PLATE) == "京A***45"
    assert personal.mask_text(f"车牌{PLATE}，另一辆沪B·D12345", id_number="masked") == "车牌京A***45，另一辆沪B***45"
    assert personal.mask_text(f"车牌{PLATE}", id_number="none") == "车牌〔无权查看〕"
    assert personal.mask_text(f"车牌{PLATE}", id_number="full") == f"车牌{PLATE}"


@pytest.mark.parametrize("who", [p.username for p in PEOPLE])
def test_the_detail_page_shows_the_plate_only_to_readers_allowed_id_numbers_in_full(case, people, who):
    response = client_of(people[who]).get(f"/c/{case.number}/")
    if response.status_code != 200:
        return  # not theirs to open
    body = response.content.decode()
    assert (PLATE in body) == (who in FULL), who
    seen = shown_to(case, reader(people[who], case, timezone.now()))
    assert seen.extra["plate_number"] in (PLATE, "京A***45", personal.HIDDEN)
    assert (seen.extra["plate_number"] == PLATE) == (who in FULL)


def test_a_printed_form_carries_the_plate_masked_for_a_masked_reader(case, people):
    copy = printable(case, reader(people["zhengjh"], case, timezone.now()))  # 郑稽核, audit
    assert copy.extra["plate_number"] == "京A***45" and PLATE not in copy.customer_words


def test_the_customers_tracking_page_shows_no_personal_data(case, client):
    response = client.post("/portal/track/", {"what": "find", "number": case.number, "phone": "13812345678"},
                           follow=True)
    body = response.content.decode()
    assert case.number in body
    for secret in ("13812345678", "马先生", PLATE, "修了三次"):
        assert secret not in body


@pytest.mark.parametrize("url", ["/penalties/?format=xlsx", "/discipline/?format=xlsx&month={month}",
                                 "/reports/?format=xlsx"])
def test_no_xlsx_export_carries_a_customers_data(case, people, url):
    PenaltyEntry.objects.create(complaint=case, kind=PenaltyEntry.Kind.CLOCK_BREACH, staff=people["lijl"],
                                amount=50, booked_at=timezone.now(), reason="超时")
    month = f"{timezone.localtime(timezone.now()) - timedelta(days=0):%Y-%m}"
    response = client_of(people["zhangzong"]).get(url.format(month=month))
    assert response.status_code == 200
    cells = " ".join(str(c.value) for ws in load_workbook(io.BytesIO(response.content)).worksheets
                     for row in ws.iter_rows() for c in row if c.value is not None)
    for secret in ("13812345678", "马先生", PLATE, "异响"):
        assert secret not in cells, (url, secret)
