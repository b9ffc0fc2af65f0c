"""F13 merging duplicates: one case continues, the other is closed as merged with a link, its clocks
stopped, both timelines recording it; the merge is undone while the surviving case is open. The
merge is a kernel step declared in the rulebook and the step registry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from kesu.complaints.models import Complaint
from kesu.core.errors import KesuError
from kesu.core.lifecycle import State
from kesu.intelligence import services
from kesu.workflow import steps
from tests.factories import bring_to, register

pytestmark = pytest.mark.django_db


def running(c: Complaint) -> set[str]:
    return set(c.clocks.filter(stopped_at__isnull=True, cancelled_at__isnull=True).values_list("code", flat=True))


def merge(c: Complaint, into: Complaint, who, now) -> Complaint:  # type: ignore[no-untyped-def]
    return steps.perform("merge", c, {"into": into.number, "reason": "同一客户同一问题，电话和网上各报一次"},
                         actor=who, now=now, expected_version=c.version)


def test_a_duplicate_is_closed_as_merged_and_the_other_case_continues(p1, people, now):
    survivor = register(people, now)
    duplicate = register(people, now + timedelta(minutes=5), channel="web")  # told again on the website
    assert running(duplicate)
    d = merge(duplicate, survivor, people["wangkf"], now + timedelta(minutes=10))
    s = Complaint.objects.get(pk=survivor.pk)
    assert d.status == State.MERGED and s.status == State.REGISTERED
    assert running(d) == set()  # its clocks stopped
    assert running(s)  # the survivor's run on
    merged = d.events.get(kind="merge")
    assert merged.changes["merged_into"] == [None, s.number] and merged.reason
    assert s.events.get(kind="merge_received").changes["merged_from"] == [None, d.number]
    assert services.merge_link(d)["into"] == s.number and services.merge_link(s)["from"] == [d.number]


def test_the_merged_case_shows_its_link_and_takes_no_handling_step(p1, people, now):
    survivor, duplicate = register(people, now), register(people, now)
    d = merge(duplicate, survivor, people["wangkf"], now)
    page = Client()
    page.force_login(people["wangkf"])
    assert f'href="/c/{survivor.number}/"' in page.get(f"/intelligence/c/{d.number}/panel/").content.decode()
    available = {s.code for s in steps.available(steps.context(d, people["zhoujl"], now))}
    assert "unmerge" in available and "note" in available
    assert not available & {"classify", "assign", "contact_made", "merge"}


def test_not_into_itself_nor_into_a_closed_case(p1, people, now):
    c = register(people, now)
    with pytest.raises(KesuError, match="不能并入自身"):
        merge(c, c, people["wangkf"], now)
    closed = bring_to(State.SIGNED_OFF, people, now)
    with pytest.raises(KesuError, match="只能并入处理中的投诉"):
        merge(c, closed, people["wangkf"], now)
    assert Complaint.objects.get(pk=c.pk).status == State.REGISTERED


def test_undo_while_the_surviving_case_is_open(p1, people, now):
    survivor = bring_to(State.HANDLING, people, now)
    duplicate = register(people, now)
    before = running(duplicate)
    d = merge(duplicate, survivor, people["wangkf"], now + timedelta(hours=1))
    d = steps.perform("unmerge", d, {"reason": "客户说明是两件不同的事"}, actor=people["zhoujl"],
                      now=now + timedelta(hours=2), expected_version=d.version)
    assert d.status == State.REGISTERED and running(d) == before
    assert d.events.filter(kind="unmerge").exists()
    s = Complaint.objects.get(pk=survivor.pk)
    assert s.events.get(kind="merge_undone").changes["merged_from"] == [d.number, None]
    assert services.merge_link(s)["from"] == []


def test_no_undo_once_the_surviving_case_is_closed(p1, people, now):
    from kesu.complaints import lifecycle

    survivor = bring_to(State.FOLLOW_UP, people, now)
    d = merge(register(people, now), survivor, people["wangkf"], now)
    s = lifecycle.record_return_visit(Complaint.objects.get(pk=survivor.pk), actor=people["chenhf"], now=now,
                                      satisfied=True, conversation="客户满意")
    lifecycle.sign_off(s, actor=people["zhoujl"], now=now)
    with pytest.raises(KesuError, match="不能撤销合并"):
        steps.perform("unmerge", d, {"reason": "误合并"}, actor=people["zhoujl"], now=now,
                      expected_version=d.version)
    assert Complaint.objects.get(pk=d.pk).status == State.MERGED


def test_the_detail_pages_step_form_reaches_the_merge(p1, people, now):
    survivor, duplicate = register(people, now), register(people, now)
    page = Client()
    page.force_login(people["wangkf"])
    page.post(f"/c/{duplicate.number}/act/merge/", {"version": duplicate.version, "into": survivor.number,
                                                     "reason": "重复登记"})
    assert Complaint.objects.get(pk=duplicate.pk).status == State.MERGED
