"""Each role opens the cases its work needs and no more (issue 14): finance the cases whose
compensation it reviews, archive the closed ones, HR the penalised ones, legal the flagged or held
ones; nobody else's."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from kesu.clocks.models import PenaltyEntry
from kesu.complaints.models import Complaint
from kesu.complaints.selectors import visible_complaints
from kesu.core.lifecycle import State
from kesu.workflow import services as workflow
from tests.factories import bring_to

pytestmark = pytest.mark.django_db


def opens(people, who: str, c: Complaint) -> bool:
    client = Client()
    client.force_login(people[who])
    status = client.get(f"/c/{c.number}/").status_code
    assert status in (200, 404)
    return status == 200


@pytest.fixture
def cases(p1, people):
    now = timezone.now()
    plain = bring_to(State.HANDLING, people, now)
    reviewed = bring_to(State.HANDLING, people, now)
    workflow.request_approval(reviewed, actor=people["lijl"], now=now, kind="compensation",
                              compensation_kind="voucher", amount="800", plan="致送礼券")  # P1: finance reviews
    closed = bring_to(State.ARCHIVED, people, now)
    flagged = bring_to(State.REGISTERED, people, now, customer_words="再不处理我就找媒体曝光，还要请律师")
    return {"plain": plain, "reviewed": reviewed, "closed": closed, "flagged": flagged}


def test_finance_opens_the_case_whose_compensation_it_reviews_and_no_other(cases, people):
    assert opens(people, "wucw", cases["reviewed"])
    assert not opens(people, "wucw", cases["plain"]) and not opens(people, "wucw", cases["flagged"])


def test_legal_opens_the_cases_flagged_by_the_warning_words_and_those_on_hold(cases, people):
    assert opens(people, "weifw", cases["flagged"])
    assert not opens(people, "weifw", cases["plain"])
    Complaint.objects.filter(pk=cases["plain"].pk).update(legal_hold=True)
    assert opens(people, "weifw", cases["plain"])


def test_the_archive_opens_closed_cases_only(cases, people):
    assert opens(people, "fengda", cases["closed"])
    assert not opens(people, "fengda", cases["plain"]) and not opens(people, "fengda", cases["flagged"])


def test_hr_opens_the_cases_with_a_penalty_or_a_responsible_person_only(cases, people):
    assert not opens(people, "churs", cases["plain"])
    c = cases["plain"]
    PenaltyEntry.objects.create(complaint=c, kind=PenaltyEntry.Kind.CLOCK_BREACH, staff=people["lijl"],
                                department=c.department, amount="50",
                                reason="超时", booked_at=timezone.now())
    assert opens(people, "churs", c)
    assert not opens(people, "churs", cases["flagged"])


@pytest.mark.parametrize("who", ["wangkf", "chenhf", "zhoujl", "zhangzong", "zhengjh"])
def test_customer_service_the_gm_and_audit_still_see_every_case(cases, people, who):
    assert visible_complaints(people[who], timezone.now()).count() == len(cases)


@pytest.mark.parametrize("who", ["qianyg", "zhaojl", "xupj", "sunsf"])
def test_other_departments_see_none_of_these_cases(cases, people, who):
    assert not visible_complaints(people[who], timezone.now()).exists()
