"""P1's complaint lifecycle: every legal step works, every illegal one is refused clearly, and
each step leaves its event on the timeline (SPEC F7–F8, seed 000 第五条)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.core.errors import StaleUpdate, TransitionRefused
from kesu.core.lifecycle import BY_ACTION, TRANSITIONS, State
from tests.factories import bring_to

pytestmark = pytest.mark.django_db

# How to take each action in P1, and who does it.
HOW: dict[str, tuple[str, str, dict[str, object]]] = {
    "classify": ("classify", "wangkf", {"level": "major", "category": "repair_quality", "validity": "valid"}),
    "answer_invalid": ("answer_invalid", "wangkf", {"explanation": "属咨询，已向客户解释"}),
    "assign": ("assign", "wangkf", {"department": "after_sales"}),
    "accept": ("accept", "lijl", {}),
    "agree_solution": ("agree_solution", "lijl", {"plan": "免费返修"}),
    "return_result": ("return_result", "lijl", {"result": "已返修"}),
    "record_satisfied": ("record_return_visit", "chenhf", {"satisfied": True, "conversation": "满意"}),
    "record_unsatisfied": ("record_return_visit", "chenhf", {"satisfied": False, "conversation": "不满意"}),
    "sign_off": ("sign_off", "zhoujl", {}),
    "review": ("review", "zhangzong", {}),
    "archive": ("archive", "fengda", {}),
    "reopen": ("reopen", "zhoujl", {"reason": "客户来电反映问题复发"}),
    "object": ("raise_objection", "wangkf", {"objection": "客户认为赔偿不足，要求复审"}),
    "uphold_objection": ("decide_objection", "zhangzong", {"upheld": True, "finding": "调查不充分，重新调查"}),
    "dismiss_objection": ("decide_objection", "zhangzong", {"upheld": False, "finding": "原处理结果合理"}),
    "merge": ("merge", "wangkf", {"reason": "同一投诉，电话和网上各登记了一次"}),  # into a new case (take)
    "unmerge": ("unmerge", "zhoujl", {"reason": "核实后并非同一投诉"}),
}

# In P1 the GM reviews every case, so archiving straight after sign-off is refused by a guard.
P1_GUARDED = {("archive", State.SIGNED_OFF)}
LEGAL = sorted((t.action, s) for t in TRANSITIONS for s in t.sources if (t.action, s) not in P1_GUARDED)
ILLEGAL = sorted((t.action, s) for t in TRANSITIONS for s in State if s not in t.sources)


def take(c: Complaint, action: str, people, now) -> Complaint:
    from kesu.org.models import Department

    func, who, kwargs = HOW[action]
    kwargs = dict(kwargs)
    if "department" in kwargs:
        kwargs["department"] = Department.objects.get(code=kwargs["department"])
    if action == "merge":  # F13: into another case being handled
        from tests.factories import register

        kwargs["into"] = register(people, now)
    return getattr(lifecycle, func)(c, actor=people[who], now=now, **kwargs)


@pytest.mark.parametrize(("action", "source"), LEGAL, ids=[f"{s}-{a}" for a, s in LEGAL])
def test_every_legal_step_of_p1_moves_the_complaint_and_writes_its_event(p1, people, now, action, source):
    c = bring_to(source, people, now)
    if action == "answer_invalid":  # only a complaint found not valid is answered this way
        c = lifecycle.classify(c, actor=people["wangkf"], now=now, level="dissatisfied", category="other",
                               validity="enquiry")
    version_before = c.version
    later = now + timedelta(hours=1)

    c = take(c, action, people, later)

    c.refresh_from_db()
    assert c.status == BY_ACTION[action].target
    assert c.version == version_before + 1
    event = c.events.order_by("-seq").first()
    assert (event.kind, event.seq, event.at, event.actor) == (action, c.event_seq, later, people[HOW[action][1]])
    target = BY_ACTION[action].target
    assert event.from_status == source
    assert event.to_status == ("" if target == source else target)


@pytest.mark.parametrize(("action", "source"), ILLEGAL, ids=[f"{s}-{a}" for a, s in ILLEGAL])
def test_every_illegal_step_is_refused_and_changes_nothing(p1, people, now, action, source):
    c = bring_to(source, people, now)
    events_before = c.events.count()

    with pytest.raises(TransitionRefused) as refused:
        take(c, action, people, now + timedelta(hours=1))

    assert refused.value.code == "transition_not_allowed"
    assert BY_ACTION[action].label[0] in refused.value.message()
    c.refresh_from_db()
    assert c.status == source
    assert c.events.count() == events_before


def test_p1_case_cannot_be_archived_before_the_gm_has_reviewed_it(p1, people, now):
    c = bring_to(State.SIGNED_OFF, people, now)
    with pytest.raises(TransitionRefused, match="须先经总经理审阅"):
        lifecycle.archive(c, actor=people["fengda"], now=now)


def test_a_satisfied_case_runs_the_whole_p1_flow_and_the_timeline_tells_it(p1, people, now):
    c = bring_to(State.ARCHIVED, people, now)
    kinds = list(c.events.order_by("seq").values_list("kind", flat=True))
    assert kinds == ["registered", "classify", "assign", "accept", "agree_solution", "return_result",
                     "record_satisfied", "sign_off", "review", "archive"]
    statuses = list(c.events.exclude(to_status="").order_by("seq").values_list("to_status", flat=True))
    assert statuses[-3:] == ["signed_off", "reviewed", "archived"]


def test_not_satisfied_reopens_and_the_case_goes_round_again(p1, people, now):
    c = bring_to(State.REOPENED, people, now)
    c = lifecycle.accept(c, actor=people["lijl"], now=now + timedelta(hours=2))
    c = lifecycle.agree_solution(c, actor=people["lijl"], now=now + timedelta(hours=3), plan="更换配件")
    c = lifecycle.return_result(c, actor=people["lijl"], now=now + timedelta(hours=4), result="已更换")
    c = lifecycle.record_return_visit(c, actor=people["chenhf"], now=now + timedelta(hours=5), satisfied=True,
                                      conversation="这次满意")
    assert c.status == State.SATISFIED
    assert c.events.filter(kind="record_unsatisfied").count() == 1


def test_steps_that_need_a_reason_refuse_an_empty_one(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.agree_solution(c, actor=people["lijl"], now=now, plan="   ")
    assert refused.value.code == "reason_required"


def test_only_the_policy_role_may_sign_off_and_review(p1, people, now):
    c = bring_to(State.SATISFIED, people, now)
    with pytest.raises(TransitionRefused, match="客服部经理"):
        lifecycle.sign_off(c, actor=people["lijl"], now=now)
    c = lifecycle.sign_off(c, actor=people["zhoujl"], now=now)
    with pytest.raises(TransitionRefused, match="总经理"):
        lifecycle.review(c, actor=people["zhoujl"], now=now)


def test_a_manager_cannot_handle_another_departments_complaint(p1, people, now):
    c = bring_to(State.ASSIGNED, people, now)  # after-sales
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.accept(c, actor=people["zhaojl"], now=now)  # the sales manager
    assert refused.value.code == "role_not_allowed"


def test_a_valid_complaint_cannot_be_brushed_off_as_invalid(p1, people, now):
    c = bring_to(State.CLASSIFIED, people, now)
    with pytest.raises(TransitionRefused, match="有效投诉须按流程处理"):
        lifecycle.answer_invalid(c, actor=people["wangkf"], now=now, explanation="不处理")


def test_an_archived_case_changes_only_through_a_recorded_reopening(p1, people, now):
    c = bring_to(State.ARCHIVED, people, now)
    with pytest.raises(TransitionRefused):
        lifecycle.record_contact(c, actor=people["wangkf"], now=now, note="补充")
    with pytest.raises(TransitionRefused):
        lifecycle.edit_complaint(c, actor=people["wangkf"], now=now, changes={"customer_name": "马女士"},
                                 reason="更正")
    c = lifecycle.reopen(c, actor=people["zhoujl"], now=now, reason="客户再次来电")
    assert c.status == State.REOPENED
    assert c.events.last().reason == "客户再次来电"


def test_a_stale_form_is_refused_and_the_other_persons_change_is_kept(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    loaded_version = c.version
    lifecycle.agree_solution(c, actor=people["lijl"], now=now, plan="李经理的方案", expected_version=loaded_version)

    with pytest.raises(StaleUpdate) as stale:
        lifecycle.add_note(c, actor=people["liudl"], now=now, note="刘代理的备注", expected_version=loaded_version)

    assert "李经理" in stale.value.message()
    c.refresh_from_db()
    assert c.status == State.SOLUTION_AGREED
    assert not c.events.filter(kind="note").exists()


def test_edits_record_before_and_after_on_the_timeline(p1, people, now):
    c = bring_to(State.CLASSIFIED, people, now)
    c = lifecycle.edit_complaint(c, actor=people["wangkf"], now=now, changes={"customer_phone": "139 1234 5678"},
                                 reason="客户更正电话")
    event = c.events.last()
    assert event.kind == "edited"
    assert event.changes == {"customer_phone": ["13812345678", "13912345678"]}


def test_timeline_rows_cannot_be_rewritten_even_with_raw_sql(p1, people, now):
    c = bring_to(State.ASSIGNED, people, now)
    event = c.events.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE complaints_complaintevent SET reason = 'changed' WHERE id = %s", [event.pk])
    with pytest.raises(RuntimeError):
        event.delete()
    assert ComplaintEvent.objects.get(pk=event.pk).reason == event.reason


def test_a_signed_off_case_changes_only_through_a_recorded_reopening(p1, people, now):
    c = bring_to(State.SIGNED_OFF, people, now)
    with pytest.raises(TransitionRefused):  # the customer's own words cannot be rewritten afterwards
        lifecycle.edit_complaint(c, actor=people["zhoujl"], now=now, changes={"customer_words": "改过的原话"},
                                 reason="更正")
    with pytest.raises(TransitionRefused):
        lifecycle.record_contact(c, actor=people["wangkf"], now=now, note="再次联系")
    c = lifecycle.reopen(Complaint.objects.get(pk=c.pk), actor=people["zhoujl"], now=now, reason="客户来电反映问题复发")
    c = lifecycle.edit_complaint(c, actor=people["zhoujl"], now=now, changes={"customer_name": "马先生"}, reason="更正")
    assert [e.kind for e in c.events.order_by("seq")][-2:] == ["reopen", "edited"]
