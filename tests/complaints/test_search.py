"""Finding a complaint (issue 12): the agent types what the caller says — a word of their
complaint, the last four digits of their phone, part of the number — and finds it, the moment it
was registered, within what they may see, narrowed and sorted as a queue is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from kesu.complaints import lifecycle
from kesu.complaints import search as index
from kesu.complaints.selectors import Filters, customer_history, search
from kesu.core.errors import KesuError
from kesu.core.lifecycle import State
from tests.factories import bring_to, register

pytestmark = pytest.mark.django_db


def numbers(staff, now, text, **filters):
    _query, qs = search(staff, now, text, Filters(**filters))
    return [c.number for c in qs]


@pytest.fixture
def leak(p1, people, now):
    return register(people, now, customer_words="我上周投诉过漏水的事，怎么还没人来？", customer_name="刘女士",
                    customer_phone="13987654321", extra={"plate_number": "粤B66Q88"})


def test_a_complaint_is_found_by_a_word_of_the_customer_the_moment_it_is_registered(leak, people, now):
    assert numbers(people["wangkf"], now, "漏水") == [leak.number]
    assert numbers(people["wangkf"], now, "漏油") == []


def test_found_by_phone_whole_or_last_four_by_name_by_plate_and_by_part_of_the_number(leak, people, now):
    for typed in ("13987654321", "4321", "刘女士", "粤B66Q88", leak.number, leak.number[-5:], leak.number[:4]):
        assert leak.number in numbers(people["wangkf"], now, typed), typed


def test_the_phone_is_not_in_the_index_in_clear(leak):
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"SELECT doc::text FROM {index.TABLE} WHERE complaint_id = %s", [leak.pk])
        else:
            cur.execute(f"SELECT doc FROM {index.TABLE} WHERE rowid = %s", [leak.pk])
        doc = cur.fetchone()[0]
    assert "漏水" in doc and "13987654321" not in doc and "4321" not in doc


def test_a_note_and_a_handling_record_are_findable_once_saved(leak, people, now):
    lifecycle.add_note(leak, actor=people["wangkf"], now=now, note="客户说楼上卫生间渗水")
    assert numbers(people["wangkf"], now, "渗水") == [leak.number]
    c = bring_to(State.FOLLOW_UP, people, now, customer_words="发动机异响")
    assert c.number in numbers(people["wangkf"], now, "试车正常")  # the result returned (P1_FLOW)


def test_an_edited_phone_is_found_by_the_new_number_and_no_longer_by_the_old(leak, people, now):
    lifecycle.edit_complaint(leak, actor=people["wangkf"], now=now, changes={"customer_phone": "13511112222"},
                             reason="客户更正电话")
    assert numbers(people["wangkf"], now, "13511112222") == [leak.number]
    assert numbers(people["wangkf"], now, "13987654321") == []


def test_results_respect_visibility_as_the_queues_do(p1, people, now):
    sales = bring_to(State.ASSIGNED, people, now, complained="sales", customer_words="销售顾问态度差，漏水")
    after = bring_to(State.ASSIGNED, people, now, complained="after_sales", customer_words="维修后还漏水")
    assert set(numbers(people["wangkf"], now, "漏水")) == {sales.number, after.number}
    assert numbers(people["lijl"], now, "漏水") == [after.number]  # the after-sales manager
    assert numbers(people["lijl"], now, sales.number) == []  # not even by its number


def test_newest_first_and_narrowed_by_the_queue_filters(p1, people, now):
    older = register(people, now - timedelta(days=3), customer_words="空调漏水", channel="walk_in")
    newer = bring_to(State.ASSIGNED, people, now, customer_words="天花板漏水")
    staff = people["wangkf"]
    assert numbers(staff, now, "漏水") == [newer.number, older.number]
    assert numbers(staff, now, "漏水", sort="oldest") == [older.number, newer.number]
    assert numbers(staff, now, "漏水", sort="updated") == [newer.number, older.number]  # through matching()
    assert numbers(staff, now, "漏水", channel="walk_in") == [older.number]
    assert numbers(staff, now, "漏水", status=State.ASSIGNED.value) == [newer.number]
    assert numbers(staff, now, "漏水", since=(now - timedelta(days=1)).date()) == [newer.number]
    assert numbers(staff, now, "漏水", department=newer.department_id) == [newer.number]
    assert numbers(staff, now, "漏水", overdue=True) == []


@pytest.mark.parametrize("typed", ['漏水" OR "', "NEAR(漏水 水)", "漏水*", "'; DROP TABLE complaints_search; --",
                                   "１３９８７６５４３２１", "😀", "漏水 " * 3])
def test_hostile_or_odd_search_text_gives_a_result_or_a_clear_message(leak, people, now, typed):
    try:
        numbers(people["wangkf"], now, typed)
    except KesuError as exc:
        assert exc.code == "search_nothing"


def test_a_10000_character_search_is_refused_with_a_message(leak, people, now):
    with pytest.raises(KesuError) as exc:
        numbers(people["wangkf"], now, "漏水" * 5000)
    assert exc.value.code == "search_too_long" and "200" in exc.value.message("zh-hans")


def test_the_customers_whole_history_by_phone_email_or_member_number(p1, people, now):
    first = register(people, now - timedelta(days=30), customer_phone="13700001111", customer_words="第一次",
                     extra={"plate_number": "京A00001"})
    second = register(people, now, customer_phone="13700001111", customer_words="又来了",
                      extra={"plate_number": "京A00002"})
    other = register(people, now, customer_phone="13700002222", customer_words="别人",
                     extra={"plate_number": "京A00003"})
    assert [c.number for c in customer_history(people["wangkf"], now, second)] == [second.number, first.number]
    assert other.number not in [c.number for c in customer_history(people["wangkf"], now, first)]


def test_the_history_includes_the_same_plate_under_another_phone(p1, people, now):
    """P1 says the plate identifies the customer (identifies_customer): the car's earlier complaint,
    made from another phone, is part of its history; a plate that merely contains it is not."""
    before = register(people, now - timedelta(days=60), customer_phone="13600003333", extra={"plate_number": "粤B1234"})
    longer = register(people, now, customer_phone="13600004444", extra={"plate_number": "粤B12345"})
    today = register(people, now, customer_phone="13700001111", extra={"plate_number": "粤B1234"})
    history = [c.number for c in customer_history(people["wangkf"], now, today)]
    assert history == [today.number, before.number] and longer.number not in history


def test_rebuild_writes_the_same_entries_again(leak, people, now):
    lifecycle.add_note(leak, actor=people["wangkf"], now=now, note="楼上渗水")
    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert numbers(people["wangkf"], now, "渗水") == [leak.number]
    assert numbers(people["wangkf"], now, "4321") == [leak.number]


def test_the_admin_search_box_uses_the_same_index(client, leak, people):
    gm = people["zhangzong"]
    gm.is_staff = gm.is_superuser = True
    gm.save()
    client.force_login(gm)
    for typed in ("漏水", "4321", leak.number[-4:]):
        body = client.get("/admin/complaints/complaint/", {"q": typed}).content.decode()
        assert leak.number in body, typed
    assert leak.number not in client.get("/admin/complaints/complaint/", {"q": "漏油"}).content.decode()
