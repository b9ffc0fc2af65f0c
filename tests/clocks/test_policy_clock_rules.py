"""Issue 18, the clocks a policy states beyond one target per level, run by the kernel and the sweep:
P1's progress call 40 minutes *after* registration (not before), P1's first telephone contact within 20
minutes at every level, a breach booked to the person who answers for the clock (and their department),
a clock of one category with its own penalty (药品不良反应 within 1 working day), a clock on a help
request's answer, and the policy's own roles carrying built-in powers."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import yaml

from kesu.clocks.models import ComplaintClock, PenaltyEntry
from kesu.clocks.people import with_role
from kesu.clocks.sweep import sweep
from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core.errors import TransitionRefused
from kesu.core.lifecycle import State
from kesu.org.models import Staff, StaffRole
from kesu.org.services import roles_of
from kesu.policies.services import import_and_publish
from kesu.workflow import services as workflow
from tests.core.test_policy_vocabulary import adr_data, p1_data
from tests.factories import bring_to, register

pytestmark = pytest.mark.django_db
MIN = timedelta(minutes=1)


def clock(c: Complaint, code: str) -> ComplaintClock:
    return ComplaintClock.objects.filter(complaint=c, code=code).latest("started_at", "pk")


def fresh(c: Complaint) -> Complaint:
    return Complaint.objects.get(pk=c.pk)


def publish(data: dict[str, Any], now: datetime) -> None:
    import_and_publish(text=yaml.safe_dump(data, allow_unicode=True), actor=None, now=now)


# ---- P1 第五条 ---------------------------------------------------------------------------------------

def test_p1_the_specialists_progress_call_counts_only_from_40_minutes_after_registration(p1, people, now):
    c = register(people, now, level="major")
    assert clock(c, "progress_call").due_at == now + 60 * MIN  # due from 40 minutes, within the hour

    c = lifecycle.record_progress_call(c, actor=people["chenhf"], now=now + 30 * MIN, note="客户说还没人联系")
    flagged = c.events.get(kind="progress_call").changes["too_early"][1]
    assert [(f["clock"], datetime.fromisoformat(f["earliest"])) for f in flagged] == [("progress_call", now + 40 * MIN)]
    assert clock(c, "progress_call").stopped_at is None  # recorded, but it does not count

    lifecycle.record_progress_call(fresh(c), actor=people["chenhf"], now=now + 45 * MIN, note="客户确认已约检修")
    assert clock(c, "progress_call").met is True


@pytest.mark.parametrize("level", ["dissatisfied", "very_dissatisfied", "major", "crisis"])
def test_p1_every_level_must_have_its_first_telephone_contact_within_20_minutes(p1, people, now, level):
    c = register(people, now, level=level)
    assert clock(c, "first_contact").due_at == now + 20 * MIN


def test_p1_a_dissatisfied_customer_first_reached_at_25_minutes_misses_the_20_minute_contact_not_the_30(
        p1, people, now):
    c = register(people, now, level="dissatisfied")
    sweep(now=now + 20 * MIN)
    assert clock(c, "first_contact").breached_at == now + 20 * MIN
    assert not PenaltyEntry.objects.exists()  # the level's 超时扣罚 is 初次对应's to book, once
    lifecycle.record_contact(fresh(c), actor=people["wangkf"], now=now + 25 * MIN, note="电话联系客户")
    assert clock(c, "first_response").met is True and clock(c, "first_contact").met is False


# ---- who a breach is booked to -----------------------------------------------------------------------

def test_a_cs_agents_missed_second_contact_is_booked_to_the_agent_and_customer_service(p1, people, now):
    """二次对应 is the follow-up specialist's: its 超时扣罚 is theirs and customer service's, not the
    department complained about (after-sales)."""
    c = bring_to(State.FOLLOW_UP, people, now)  # the result came back at +25 minutes
    sweep(now=now + 25 * MIN + timedelta(hours=24))
    entry = PenaltyEntry.objects.get(complaint=c, clock__code="second_response")
    assert (entry.staff, entry.department.code, entry.amount) == (people["wangkf"], "customer_service", Decimal(30))
    first = PenaltyEntry.objects.get(complaint=c, clock__code="first_response")  # the manager's stays theirs
    assert (first.staff, first.department.code) == (people["lijl"], "after_sales")


# ---- a category's own clock and penalty ---------------------------------------------------------------

def test_an_adverse_drug_reaction_classified_later_is_timed_from_registration_and_books_its_own_100_yuan(
        people, now):
    publish(adr_data(), now)
    # registered before anyone knew the category, its 《药品不良反应登记表》 filled ahead (required once classified)
    c = register(people, now, level="dissatisfied", extra={"plate_number": "京A12345", "batch_no": "B2026031",
                                                           "dose": "2"})
    assert not ComplaintClock.objects.filter(complaint=c, code="adr_answer").exists()
    c = lifecycle.classify(c, actor=people["wangkf"], now=now + 10 * MIN, level="dissatisfied",
                           category="adverse_reaction", validity="valid")
    k = clock(c, "adr_answer")
    assert (k.started_at, k.mode, k.target) == (now, "working", "1d")
    assert clock(c, "first_response").target == "15m"  # the category's target replaced the level's 30 minutes

    sweep(now=now + timedelta(days=5))
    entry = PenaltyEntry.objects.get(complaint=c, clock__code="adr_answer")
    assert entry.amount == Decimal(100) and entry.reason == "不良反应答复超时"  # not the level's 20 元


# ---- a clock on a help request -------------------------------------------------------------------------

def test_a_help_request_not_answered_in_time_is_a_breach_of_the_department_asked(people, now):
    data = p1_data()
    data["clocks"].append({"code": "assist_answer", "name": "协办答复", "name_en": "Help answered",
                           "start": "request_assist", "stop": "assist_answered", "targets": {"*": "2h"},
                           "responsible": "assisting", "penalty_amount": 50})
    publish(data, now)
    c = bring_to(State.HANDLING, people, now)
    asked = now + 20 * MIN
    help_ = workflow.request_assist(c, actor=people["lijl"], now=asked, department="parts", matter="调拨配件")
    assert clock(c, "assist_answer").due_at == asked + 2 * 60 * MIN

    sweep(now=asked + 2 * 60 * MIN)
    entry = PenaltyEntry.objects.get(complaint=c, clock__code="assist_answer")
    assert (entry.staff, entry.department.code, entry.amount) == (people["xupj"], "parts", Decimal(50))
    workflow.answer_assist(help_, actor=people["xupj"], now=asked + 3 * 60 * MIN, answer="配件已到")
    assert clock(c, "assist_answer").met is False


# ---- the policy's own roles -----------------------------------------------------------------------------

def person(username: str, role: str) -> Staff:
    staff = Staff.objects.create_user(username=username, password="x-pass-123", display_name=username)
    StaffRole.objects.create(staff=staff, role=role)
    return staff


def test_the_chairman_the_policy_names_reviews_closed_cases_with_the_gms_powers(people, now):
    """The mall's 董事长 (seed 002): a role of the policy's own, carrying the GM's powers."""
    data = p1_data()
    data["roles"] = [{"code": "chairman", "name": "董事长", "name_en": "Chairman", "acts_as": ["gm"]},
                     {"code": "crisis_team", "name": "危机小组", "name_en": "Crisis team"}]
    data["workflow"]["review"] = "chairman"
    publish(data, now)
    chairman = person("dongshizhang", "chairman")
    assert roles_of(chairman) == {"chairman", "gm"}
    assert chairman in with_role("gm")  # told what the GM is told

    c = bring_to(State.SIGNED_OFF, people, now)
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.review(c, actor=people["zhangzong"], now=now + 60 * MIN)
    assert "董事长" in refused.value.message()
    assert lifecycle.review(c, actor=chairman, now=now + 60 * MIN).status == State.REVIEWED


def test_the_law_firms_contact_clock_is_the_officer_in_charge_of_complaints_and_escalates_to_the_director(
        people, now):
    """律所 二(五): 应及时与投诉人联系 — the policy's own 专门负责人 answers for it (one person holds it); a
    regulator's referral (司法行政机关、律师协会转来) is a channel of the firm's own."""
    from kesu.complaints import intake
    from kesu.notifications.models import Notification
    from tests.core.test_policy_vocabulary import LAW_FIRM

    import_and_publish(text=LAW_FIRM.read_text(encoding="utf-8"), actor=None, now=now)
    officer, director = person("zhuanyuan", "complaint_officer"), person("zhuren", "director")
    c = intake.register(intake.Received("regulator_referral", {
        "customer_name": "律师协会转来", "customer_words": "当事人投诉承办律师未按约定出庭", "extra.lawyer": "某律师"}),
        actor=people["wangkf"], now=now).complaint
    assert c.channel == "regulator_referral" and clock(c, "contact").responsible_role == "complaint_officer"
    sweep(now=now + timedelta(days=7))
    told = set(Notification.objects.filter(kind="clock_breached", complaint=c).values_list("recipient", flat=True))
    assert {officer.pk, director.pk} <= told
