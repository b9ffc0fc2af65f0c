"""P1's clocks (seed 000 第五条, 第六条), run on an injected clock: first and second response per
level, the process clocks of the coordination work order, penalties at breach."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from kesu.clocks.models import ComplaintClock, PenaltyEntry
from kesu.clocks.sweep import sweep
from kesu.complaints import lifecycle
from kesu.core.lifecycle import State
from kesu.notifications.models import Notification
from tests.factories import bring_to, register

pytestmark = pytest.mark.django_db
MIN = timedelta(minutes=1)


def clock(c, code) -> ComplaintClock:
    return ComplaintClock.objects.filter(complaint=c, code=code).latest("started_at")


def test_a_very_dissatisfied_complaint_with_no_first_contact_breaches_after_20_minutes_and_books_30_yuan(
        p1, people, now):
    c = register(people, now, level="very_dissatisfied")
    assert clock(c, "first_response").due_at == now + 20 * MIN

    sweep(now=now + 19 * MIN)
    assert clock(c, "first_response").breached_at is None
    assert not PenaltyEntry.objects.exists()

    sweep(now=now + 20 * MIN)

    first = clock(c, "first_response")
    assert first.breached_at == now + 20 * MIN
    penalty = PenaltyEntry.objects.get(complaint=c)
    assert (penalty.amount, penalty.kind, penalty.clock) == (Decimal("30"), "clock_breach", first)
    # the complained-about department's manager answers for the first response (第四条)
    assert (penalty.staff, penalty.department.code) == (people["lijl"], "after_sales")
    assert c.events.filter(kind="clock_breached", reason="初次对应").count() == 1


@pytest.mark.parametrize(("level", "minutes", "yuan"), [
    ("dissatisfied", 30, 20), ("very_dissatisfied", 20, 30), ("major", 10, 50), ("crisis", 10, 80),
])
def test_first_response_target_and_penalty_follow_the_level(p1, people, now, level, minutes, yuan):
    c = register(people, now, level=level)
    sweep(now=now + minutes * MIN - timedelta(seconds=1))
    assert not PenaltyEntry.objects.exists()
    sweep(now=now + minutes * MIN)
    assert PenaltyEntry.objects.get(complaint=c).amount == yuan


def test_a_walk_in_customer_must_be_met_within_10_minutes_whatever_the_level(p1, people, now):
    c = register(people, now, level="dissatisfied", channel="walk_in")
    assert clock(c, "first_response").due_at == now + 10 * MIN


def test_first_contact_in_time_stops_the_clock_as_met_and_books_nothing(p1, people, now):
    c = bring_to(State.ASSIGNED, people, now)  # classified very_dissatisfied five minutes in
    lifecycle.record_contact(c, actor=people["lijl"], now=now + 15 * MIN, note="已致电客户致歉")
    first = clock(c, "first_response")
    assert (first.met, first.stopped_at) == (True, now + 15 * MIN)
    sweep(now=now + 2 * 60 * MIN)
    assert not PenaltyEntry.objects.filter(clock=first).exists()


def test_classifying_later_counts_the_first_response_from_registration(p1, people, now):
    c = register(people, now)  # level not yet known: no level-dependent clock yet
    assert not ComplaintClock.objects.filter(complaint=c, code="first_response").exists()
    lifecycle.classify(c, actor=people["wangkf"], now=now + 5 * MIN, level="major", category="attitude",
                       validity="valid")
    assert clock(c, "first_response").due_at == now + 10 * MIN


def test_a_change_of_level_re_times_the_running_clock_from_its_start(p1, people, now):
    c = register(people, now, level="dissatisfied")
    assert clock(c, "first_response").due_at == now + 30 * MIN
    lifecycle.classify(c, actor=people["wangkf"], now=now + 5 * MIN, level="crisis", category="attitude",
                       validity="valid")
    assert clock(c, "first_response").due_at == now + 10 * MIN
    assert clock(c, "first_response").target == "10m"


def test_the_coordination_work_order_reaches_the_manager_within_10_minutes(p1, people, now):
    c = register(people, now, level="major")
    handoff = clock(c, "handoff")
    assert handoff.due_at == now + 10 * MIN and handoff.responsible_role == "receiver"
    c = lifecycle.classify(c, actor=people["wangkf"], now=now + 2 * MIN, level="major", category="attitude",
                           validity="valid")
    c = lifecycle.assign(c, actor=people["wangkf"], now=now + 12 * MIN, department=c.complained_department)
    handoff.refresh_from_db()
    assert (handoff.met, handoff.late_seconds) == (False, 120)
    assert clock(c, "plan_agreement").due_at == now + 22 * MIN


def test_p1_process_clocks_after_the_preliminary_agreement(p1, people, now):
    c = bring_to(State.SOLUTION_AGREED, people, now)
    agreed_at = c.events.get(kind="agree_solution").at
    assert clock(c, "progress_call").due_at == agreed_at + 40 * MIN
    assert clock(c, "result_return").due_at == agreed_at + timedelta(hours=12)
    c = lifecycle.return_result(c, actor=people["lijl"], now=agreed_at + timedelta(hours=3), result="返修完成")
    assert clock(c, "result_return").met is True
    assert clock(c, "second_response").due_at == agreed_at + timedelta(hours=27)


def test_the_second_response_is_due_24_hours_after_the_result_is_returned_and_stops_at_the_verdict(
        p1, people, now):
    c = bring_to(State.FOLLOW_UP, people, now)
    returned_at = c.events.get(kind="return_result").at
    second = clock(c, "second_response")
    assert second.due_at == returned_at + timedelta(hours=24)
    lifecycle.record_return_visit(c, actor=people["chenhf"], now=returned_at + timedelta(hours=25),
                                  satisfied=True, conversation="客户满意")
    second.refresh_from_db()
    assert (second.met, second.late_seconds) == (False, 3600)


def test_two_sweeps_at_once_record_one_breach_and_one_penalty(p1, people, now):
    c = register(people, now, level="major")
    sweep(now=now + 11 * MIN)
    sweep(now=now + 11 * MIN)
    assert c.events.filter(kind="clock_breached").count() == 2  # first_response and handoff, once each
    assert PenaltyEntry.objects.filter(complaint=c).count() == 1  # only first_response carries a penalty


def test_the_owner_is_warned_before_the_due_time(p1, people, now):
    c = bring_to(State.ASSIGNED, people, now)  # owner: 李经理; first response due at +20 min
    result = sweep(now=now + 16 * MIN)  # warn 5 minutes before
    assert result.warned >= 1
    assert Notification.objects.filter(recipient=people["lijl"], kind="clock_warning", complaint=c).exists()
    assert sweep(now=now + 16 * MIN).warned == 0  # once only


def test_a_breach_is_announced_to_the_manager_above(p1, people, now):
    c = bring_to(State.ASSIGNED, people, now)
    sweep(now=now + 21 * MIN)
    # after-sales sits under the company, which has no manager of its own: the GM is next
    assert Notification.objects.filter(recipient=people["zhangzong"], kind="clock_breached", complaint=c).exists()
    assert Notification.objects.filter(recipient=people["lijl"], kind="clock_breached", complaint=c).exists()


def test_contacts_beyond_the_levels_limit_are_escalated(p1, people, now):
    c = bring_to(State.HANDLING, people, now)  # P1 allows two contacts at every level but 危机事件
    for i in range(3):
        c = lifecycle.record_contact(c, actor=people["lijl"], now=now + (30 + i) * MIN, note=f"第{i + 1}次联系")
    assert c.events.filter(kind="contact_limit_exceeded").count() == 1
    gm = people["zhangzong"]
    assert Notification.objects.filter(kind="contact_limit_exceeded", complaint=c, recipient=gm).exists()


def test_a_broken_row_is_reported_and_the_sweep_carries_on(p1, people, now):
    """A complaint whose stored policy version has been damaged cannot be judged: the sweep logs
    and reports it to administrators and still handles every other complaint."""
    from kesu.core.policy.io import PRESETS_DIR
    from kesu.policies.models import PolicyVersion
    from kesu.policies.services import forget_cached_policies, import_and_publish

    bad = register(people, now, level="major")
    import_and_publish(text=(PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8"), actor=None, now=now)
    good = register(people, now, level="major")
    PolicyVersion.objects.filter(pk=p1.pk).update(document={"damaged": True})
    forget_cached_policies()

    result = sweep(now=now + 11 * MIN)

    assert (result.failed, result.breached) == (2, 2)  # bad's two clocks failed; good's two breached
    assert PenaltyEntry.objects.filter(complaint=good).exists()
    assert not PenaltyEntry.objects.filter(complaint=bad).exists()
    assert Notification.objects.filter(kind="sweep_error", recipient=people["admin"]).count() == 2
