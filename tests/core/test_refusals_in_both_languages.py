"""The rulebook's refusals follow the reader's language (issue 13 item 7): the step, the state, the
roles and the reason a rule gives are said in Chinese to a Chinese page and in English to an English
one — never a Chinese phrase inside an English sentence."""

from __future__ import annotations

import re

import pytest

from kesu.core import lifecycle as rules
from kesu.core.errors import TransitionRefused
from kesu.core.lifecycle import ActorFacts, Change, Facts, State
from kesu.core.messages import Said

CJK = re.compile(r"[\u4e00-\u9fff]")
NOBODY = ActorFacts(staff_id=7, roles=frozenset())


def refusal(call) -> TransitionRefused:  # type: ignore[no-untyped-def]
    with pytest.raises(TransitionRefused) as caught:
        call()
    return caught.value


def test_a_step_refused_in_this_state_names_step_and_state_in_the_readers_language():
    e = refusal(lambda: rules.permit("sign_off", Facts(status=State.HANDLING), NOBODY, Change()))
    assert e.message("zh-hans") == "当前状态「处理中」下不能执行「客服经理签字」"
    assert e.message("en") == "'Sign off' is not allowed while the complaint is 'Handling'"


def test_a_step_refused_to_this_person_names_the_roles_in_the_readers_language():
    e = refusal(lambda: rules.permit("accept", Facts(status=State.ASSIGNED), NOBODY, Change()))
    assert e.message("zh-hans") == "「接手处理」须由部门经理、当前处理人执行，您没有该权限"
    assert e.message("en") == "'Accept' must be done by Department manager, the current handler; you may not"


def test_a_rule_that_is_not_met_says_why_in_the_readers_language():
    manager = ActorFacts(staff_id=7, roles=frozenset(), manages_department=True)
    facts = Facts(status=State.HANDLING, pending_approvals=1)
    t = rules.permit("agree_solution", facts, manager, Change(reason="返修"))
    e = refusal(lambda: rules.check_guards(t, facts, Change(reason="返修")))
    assert e.message("zh-hans") == "不能「达成初步协议」：尚有 1 项审批未完成"
    assert e.message("en") == "cannot 'Agree a solution': 1 approval(s) still waiting"


def test_every_guard_and_every_open_record_rule_gives_its_reason_in_both_languages():
    nothing_open = Facts(status=State.SIGNED_OFF, records_loaded=True, validity="enquiry", pending_transfer=True,
                         objection_window_over=True, has_review_step=False, investigation_missing=True,
                         owner_id=3, complained_staff_id=3)
    reasons = [g(nothing_open, Change()) for t in rules.TRANSITIONS for g in t.guards]
    reasons += [a.available(nothing_open, NOBODY) for a in rules.ACTIVITIES if a.available]
    reasons += [rules.merge_refusal(1, 1, State.HANDLING), rules.unmerge_refusal(State.ARCHIVED)]
    said = [r for r in reasons if r is not None]
    assert len(said) >= 15
    for r in said:
        assert isinstance(r, Said) and CJK.search(r.zh) and r.en and not CJK.search(r.en), r


def test_a_decision_without_its_reason_names_the_decision_in_the_readers_language():
    e = refusal(lambda: rules.decision_note_required(False, " ", action=Said("驳回审批", "rejecting an approval")))
    assert e.message("zh-hans").endswith("「驳回审批」必须填写原因")
    assert e.message("en").endswith("'rejecting an approval' needs a reason")
