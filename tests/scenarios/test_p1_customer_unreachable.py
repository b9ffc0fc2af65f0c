"""P1 第六条: the customer cannot be reached for the second contact — a 投诉延期处理申请 goes to
the GM; once approved, the clock waits, and resumes when the customer answers. No penalty."""

from __future__ import annotations

import pytest

from kesu.clocks import extensions
from kesu.clocks.models import ExtensionRequest
from kesu.complaints import lifecycle
from kesu.core.errors import TransitionRefused
from kesu.core.lifecycle import State
from tests.factories import bring_to
from tests.scenarios.conftest import Wall, at, clock, fresh, penalty_total, timeline

pytestmark = pytest.mark.django_db


def test_unreachable_customer_extension_approved_by_the_gm(p1, people):
    wall = Wall(at("2026-03-10 09:30"))
    c = bring_to(State.HANDLING, people, wall.now)  # classified, assigned, accepted by 09:45
    c = lifecycle.record_contact(c, actor=people["lijl"], now=wall.at("2026-03-10 09:46"), note="已致电客户")
    c = lifecycle.agree_solution(c, actor=people["lijl"], now=wall.after(minutes=2), plan="免费返修")
    c = lifecycle.return_result(c, actor=people["lijl"], now=wall.after(hours=3), result="返修完成")
    second = clock(c, "second_response")
    assert second.due_at == second.started_at + (at("2026-03-11 00:00") - at("2026-03-10 00:00"))

    wall.after(hours=20)  # three calls, no answer
    req = extensions.request_extension(c, clock_code="second_response", actor=people["chenhf"], now=wall.now,
                                       reason="客户电话三次无人接听，短信未回")
    with pytest.raises(TransitionRefused):  # the specialist cannot approve it; only the GM
        extensions.decide_extension(req, actor=people["zhoujl"], now=wall.now, approve=True)
    extensions.decide_extension(req, actor=people["zhangzong"], now=wall.after(minutes=20), approve=True,
                                note="同意延期，客户回电后继续")
    wall.after(hours=30)  # the 24 hours have long passed, but the clock is waiting
    assert clock(c, "second_response").breached_at is None

    extensions.resume_clock(c, clock_code="second_response", actor=people["chenhf"], now=wall.now,
                            reason="客户回电")
    c = lifecycle.record_return_visit(fresh(c), actor=people["chenhf"], now=wall.after(hours=1), satisfied=True,
                                      conversation="客户出差刚回，表示满意")
    assert c.status == State.SATISFIED
    assert clock(c, "second_response").met is True
    assert ExtensionRequest.objects.get(pk=req.pk).state == "approved"
    assert penalty_total(c) == 0
    kinds = timeline(c)
    assert kinds.index("extension_requested") < kinds.index("extension_approved") < kinds.index("clock_resumed")
