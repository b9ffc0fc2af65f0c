"""Issue 18: a staff reward put to the mall's personnel review committee (seed 002 七、奖惩: 经稽核处提报
人评会决议，并呈上级予以奖励) is the staff's matter beside the case, not the customer's: the CS manager
signs the case off without waiting for the committee, and the committee and the superior decide the
reward afterwards — signed off, reviewed or archived. Nothing else is decided on a closed case."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kesu.complaints import lifecycle
from kesu.core import lifecycle as rules
from kesu.core.errors import TransitionRefused
from kesu.core.lifecycle import State
from kesu.workflow import services as workflow
from kesu.workflow.models import Approval, Reward
from tests.workflow.test_approval_chains import mall_case

pytestmark = pytest.mark.django_db


def test_the_committee_decides_a_reward_after_the_case_is_signed_off(publish, people, now):
    publish("p2_mall_three_tier", now)
    c = mall_case(people, now, State.SATISFIED)
    asked = workflow.grant_reward(c, actor=people["zhoujl"], now=now, to="staff", staff=people["zhaojl"],
                                  form="bonus", amount="500", reason="妥善处理媒体关注的客诉，获报纸表扬")
    c = lifecycle.sign_off(c.__class__.objects.get(pk=c.pk), actor=people["zhoujl"], now=now + timedelta(hours=1))
    assert c.status == State.SIGNED_OFF  # the sign-off does not wait for the 人评会
    later = now + timedelta(days=3)
    for member in ("churs", "zhengjh", "wucw"):  # 人评会: quorum three
        workflow.decide_approval(Approval.objects.get(pk=asked.pk), actor=people[member], now=later, approve=True)
    assert Approval.objects.get(pk=asked.pk).stage == 1
    c = lifecycle.archive(c.__class__.objects.get(pk=c.pk), actor=people["zhengjh"], now=later)  # P2: 稽核 files it
    assert c.status == State.ARCHIVED  # P2 has no GM review: the case is filed meanwhile
    workflow.decide_approval(Approval.objects.get(pk=asked.pk), actor=people["zhangzong"], now=later,
                             approve=True, note="予以奖励")  # 呈上级予以奖励, on an archived case
    reward = Reward.objects.get(complaint=c)
    assert (reward.staff, str(reward.amount)) == (people["zhaojl"], "500.00")
    signed = c.events.get(kind="sign_off").seq
    assert c.events.filter(kind="approval_decided", seq__gt=signed).exists()  # on the timeline, after sign-off


def test_a_closed_case_decides_only_its_reward():
    for closed in (State.SIGNED_OFF, State.REVIEWED, State.ARCHIVED):
        assert rules.approval_open_in("reward", closed) is None
        for other in ("solution", "compensation", "transfer", "acceptance"):
            why = rules.approval_open_in(other, closed)
            assert why is not None and "奖励" in why.zh and "reward" in why.en
    assert rules.approval_open_in("solution", State.HANDLING) is None


def test_a_pending_solution_approval_is_not_decided_once_the_case_is_closed(publish, people, now):
    publish("p2_mall_three_tier", now)
    c = mall_case(people, now, State.HANDLING)
    asked = workflow.request_approval(c, actor=people["zhaojl"], now=now, kind="compensation",
                                      compensation_kind="voucher", amount="200", plan="致送礼券")
    Approval.objects.filter(pk=asked.pk).update(state="pending")
    c.__class__.objects.filter(pk=c.pk).update(status=State.SIGNED_OFF)  # as if closed around it (old data)
    with pytest.raises(TransitionRefused):
        workflow.decide_approval(Approval.objects.get(pk=asked.pk), actor=people["zhangzong"], now=now,
                                 approve=True)
