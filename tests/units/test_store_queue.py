"""A store person's work queue (SPEC F6/F12/F16, issue 18): they see exactly their store's cases,
their departments' (wherever the case now belongs), the ones they registered or handle, and the
ones their department is asked to help with — newest first, a page at a time. The queue reads each
of these ways on its own through its index and merges them (kesu.complaints.selectors.Newest), so
every page must be the very page the one visibility filter gives."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kesu.complaints import intake, lifecycle
from kesu.complaints.models import Complaint
from kesu.complaints.selectors import Newest, visible_complaints, work_queue
from kesu.core.lifecycle import OPEN_STATES
from kesu.ops.demo import load_demo_units
from kesu.org.models import Department
from kesu.workflow import services as workflow

pytestmark = pytest.mark.django_db

OPEN = [s.value for s in OPEN_STATES]


def received(unit: str | None = None) -> intake.Received:
    return intake.Received("phone", {"customer_words": "保养后发动机故障灯又亮了，要求免费检修。",
                                     "customer_name": "马先生", "customer_phone": "13812345678",
                                     "extra.plate_number": "京A12345"}, unit=unit)


@pytest.fixture
def cases(p1, people, now):
    """东区客服 (a CS agent of the east store, in its after-sales department) and, around them, every
    way of seeing a case and cases they must not see."""
    load_demo_units(people, now)
    cs, t = people["wangkf"], now
    east_after_sales = Department.objects.get(code="east_after_sales")
    after_sales = Department.objects.get(code="after_sales")

    def register(by: str = "wangkf", unit: str | None = None) -> Complaint:
        nonlocal t
        t += timedelta(minutes=1)
        return intake.register(received(unit), actor=people[by], now=t).complaint

    def to_department(c: Complaint, department: Department) -> Complaint:
        c = lifecycle.classify(c, actor=cs, now=t, level="dissatisfied", category="repair_quality", validity="valid")
        return lifecycle.assign(c, actor=cs, now=t, department=department)

    seen: dict[str, list[Complaint]] = {"store": [], "department": [], "registered": [], "helping": []}
    unseen: list[Complaint] = []
    for _ in range(4):  # interleaved, so that every page mixes the ways
        seen["store"].append(register(unit="store_east"))
        unseen.append(register(unit="store_west"))
        unseen.append(register())  # the group's own
        # a group case given to the east store's department
        seen["department"].append(to_department(register(), east_after_sales))
        # a case they registered at the store, passed up to the group since
        mine = to_department(register(by="dongkf"), east_after_sales)
        mine = lifecycle.accept(mine, actor=people["dongdz"], now=t)
        mine = workflow.pass_up(mine, actor=people["dongdz"], now=t, reason="请集团客服部协调")
        workflow.transfer(mine, actor=people["zhoujl"], now=t, to_department=after_sales, reason="集团售后服务部接手")
        seen["registered"].append(Complaint.objects.get(pk=mine.pk))
        # a group case the east store's department is asked to help with
        helped = lifecycle.accept(to_department(register(), after_sales), actor=people["lijl"], now=t)
        workflow.request_assist(helped, actor=people["lijl"], now=t, department="east_after_sales",
                                matter="请东区店核实维修记录")
        seen["helping"].append(helped)
    closed = lifecycle.classify(register(unit="store_east"), actor=cs, now=t, level="dissatisfied",
                                category="other", validity="enquiry")
    unseen.append(lifecycle.answer_invalid(closed, actor=cs, now=t, explanation="属咨询，已解释"))  # not open
    return people["dongkf"], seen, unseen


def test_a_store_person_sees_their_stores_departments_own_and_helped_cases_newest_first_page_by_page(cases, now):
    person, seen, unseen = cases
    expected = sorted((c.pk for way in seen.values() for c in way), reverse=True)
    # the one visibility filter says the same
    filtered = visible_complaints(person, now).filter(status__in=OPEN).order_by("-id")
    assert list(filtered.values_list("pk", flat=True)) == expected
    assert not {c.pk for c in unseen} & set(expected)

    queue = work_queue(person, now, "all")
    assert isinstance(queue, Newest)  # read way by way
    for size in (1, 3, 5, 50):
        pages = [[c.pk for c in queue[start:start + size]] for start in range(0, len(expected) + size, size)]
        assert [pk for page in pages for pk in page] == expected, size
        assert all(pages[:-1]) and not pages[-1]  # full pages, then an empty one after the last


def test_a_store_persons_department_queue_is_their_departments_cases_they_may_see(cases, now):
    person, seen, _unseen = cases
    queue = work_queue(person, now, "department")
    mine = Department.objects.filter(members=person).values_list("pk", flat=True)
    expected = [c.pk for c in sorted((c for way in seen.values() for c in way), key=lambda c: -c.pk)
                if Complaint.objects.get(pk=c.pk).department_id in set(mine)]
    assert expected and [c.pk for c in queue[0:50]] == expected
    assert [c.pk for c in queue[2:4]] == expected[2:4]


def test_the_store_persons_queue_page_lists_exactly_what_they_may_see(client, cases):
    person, seen, unseen = cases
    client.force_login(person)
    page = client.get("/queue/?q=all").content.decode()
    assert all(f"/c/{c.number}/" in page for way in seen.values() for c in way)
    assert not any(f"/c/{c.number}/" in page for c in unseen)


def test_people_who_see_everything_read_their_queue_in_one_filter(p1, people, now):
    assert not isinstance(work_queue(people["wangkf"], now, "all"), Newest)
    assert not isinstance(work_queue(people["zhangzong"], now, "mine"), Newest)
