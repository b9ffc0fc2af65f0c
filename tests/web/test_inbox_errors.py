"""Errors a person understands on the pages beside the complaint (issue 13 item 3): a decision
refused in the approvals inbox or a waiver refused in the penalty ledger comes back in its row, with
what was typed still in the box and every error beside it by the label the reader sees — as a step
refused on the complaint's own page does."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from kesu.clocks.models import ExtensionRequest, PenaltyEntry
from kesu.clocks.sweep import sweep
from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from kesu.workflow import services as workflow
from kesu.workflow.models import Approval
from tests.factories import bring_to
from tests.web.test_form_errors import beside, no_codes


def signed_in(person, lang: str = "zh-hans") -> Client:
    c = Client()
    c.force_login(person)
    if lang != "zh-hans":
        c.post("/i18n/setlang/", {"language": lang, "next": "/queue/"})
    return c


def test_a_rejection_without_a_reason_comes_back_in_its_row_with_the_error_beside_the_comment(p1, people, db):
    now = timezone.now()
    c = bring_to(State.HANDLING, people, now)
    a = workflow.request_approval(c, actor=people["lijl"], now=now, kind="solution", plan="免费返修")
    gm = signed_in(people["zhangzong"])
    response = gm.post(f"/approvals/{a.pk}/decide/", {"stage": "pending", "verdict": "reject", "note": "  "})
    assert response["Location"] == f"/approvals/#approval-{a.pk}"
    page = gm.get(response["Location"]).content.decode()
    assert Approval.objects.get(pk=a.pk).state == "pending"
    assert "字段「审批意见（驳回须说明理由）」：「驳回审批」必须填写原因" in beside(page, "note")
    assert f"未完成：审批（投诉 {c.number}）" in page
    assert 'class="inline failed"' in page and "autofocus" in page
    no_codes(page)
    assert 'class="inline failed"' not in gm.get("/approvals/").content.decode()  # shown once


def test_a_refused_extension_decision_keeps_the_typed_comment_and_names_it_in_english(p1, people, db):
    now = timezone.now()
    c = bring_to(State.FOLLOW_UP, people, now)
    specialist = signed_in(people["chenhf"])
    specialist.post(f"/c/{c.number}/act/extension_requested/", {
        "version": c.version, "clock": "second_response", "kind": "pause", "reason": "客户电话无人接听"})
    req = ExtensionRequest.objects.get(complaint=c)
    gm = signed_in(people["zhangzong"], "en")
    typed = "客户已出差，下周回来再联系；" * 20  # past the 200 characters the decision keeps
    page = gm.post(f"/extensions/{req.pk}/decide/", {"verdict": "reject", "note": typed}, follow=True).content.decode()
    assert ExtensionRequest.objects.get(pk=req.pk).state == "pending"
    assert "field 'Comment (required when rejecting)': must not be longer than 200 characters" in beside(page, "note")
    assert typed in page  # nothing typed is lost
    assert "审批意见" not in beside(page, "note")


def test_a_refused_waiver_keeps_its_reason_in_the_ledger_row_with_the_error_by_its_label(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    sweep(now=now + timedelta(hours=1))  # the first response clock breached
    entry = PenaltyEntry.objects.get(complaint=c)
    hr = signed_in(people["churs"])
    typed = "系统故障导致未能及时联系客户，" * 15  # more than the 200 characters a waiver's reason takes
    response = hr.post(f"/penalties/{entry.pk}/waive/", {"reason": typed, "query": "month=2026-03"})
    assert response["Location"] == f"/penalties/?month=2026-03#penalty-{entry.pk}"
    page = hr.get(response["Location"]).content.decode()
    assert PenaltyEntry.objects.get(pk=entry.pk).waived_at is None
    assert "字段「免除原因」：不能超过 200 个字" in beside(page, "reason")
    assert typed in page
    no_codes(page)
    # corrected in the same row, it goes through
    hr.post(f"/penalties/{entry.pk}/waive/", {"reason": "系统故障导致未能及时联系", "query": "month=2026-03"})
    assert PenaltyEntry.objects.get(pk=entry.pk).waived_at is not None


def test_a_refusal_for_a_row_no_longer_shown_is_said_at_the_top(p1, people, db):
    now = timezone.now()
    c = bring_to(State.HANDLING, people, now)
    a = workflow.request_approval(c, actor=people["lijl"], now=now, kind="solution", plan="返修")
    page = signed_in(people["lijl"]).post(f"/approvals/{a.pk}/decide/", {"verdict": "approve"},
                                          follow=True).content.decode()
    assert "须由总经理执行" in page


def test_in_english_a_refused_step_says_the_rule_in_english(p1, people, db):
    """The rulebook's refusal follows the page's language: the step, the state and the reason."""
    import html
    import re

    now = timezone.now()
    c = bring_to(State.HANDLING, people, now)
    a = workflow.request_approval(c, actor=people["lijl"], now=now, kind="solution", plan="免费返修")
    gm = signed_in(people["zhangzong"], "en")
    page = gm.post(f"/approvals/{a.pk}/decide/", {"stage": "pending", "verdict": "reject", "note": ""},
                   follow=True).content.decode()
    assert "field 'Comment (required when rejecting)': 'rejecting an approval' needs a reason" in beside(page, "note")
    manager = signed_in(people["lijl"], "en")
    version = Complaint.objects.get(pk=c.pk).version
    page = manager.post(f"/c/{c.number}/act/agree_solution/", {"version": version, "plan": "返修"},
                        follow=True).content.decode()
    said = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert "cannot 'Agree a solution': 1 approval(s) still waiting" in said
    assert "尚有" not in said and "达成初步协议" not in said


def test_in_english_the_ledger_says_an_overtime_penalty_by_the_policys_english_names(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    sweep(now=now + timedelta(hours=1))  # the first response clock breached
    entry = PenaltyEntry.objects.get(complaint=c)
    assert entry.reason.startswith("初次对应超时（")
    page = signed_in(people["churs"], "en").get("/penalties/", {"month": "2026-03"}).content.decode()
    assert "First response overdue (" in page and entry.reason not in page
    assert entry.reason in signed_in(people["churs"]).get("/penalties/", {"month": "2026-03"}).content.decode()
