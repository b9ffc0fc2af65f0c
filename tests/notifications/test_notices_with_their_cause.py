"""A step's notices are written in the step's own transaction (issue 16: "every message goes through
an outbox written in the same transaction as its cause"): when the inbox cannot be written, the step
is not done either — no approval, transfer or extension request stands that its approver or
department never heard of."""

from __future__ import annotations

import pytest
from django.db import DatabaseError

from kesu.clocks import extensions
from kesu.clocks.models import ExtensionRequest
from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from kesu.workflow import services as workflow
from kesu.workflow.models import Approval, Transfer
from tests.factories import bring_to

pytestmark = pytest.mark.django_db


def inbox_down(**_kwargs: object) -> None:
    raise DatabaseError("the inbox cannot be written")


STEPS = {
    "approval": (workflow, lambda c, p, now: workflow.request_approval(
        c, actor=p["lijl"], now=now, kind="compensation", compensation_kind="cash", amount="800", plan="补偿"),
        Approval),
    "transfer": (workflow, lambda c, p, now: workflow.transfer(
        c, actor=p["lijl"], now=now, to_department="sales", reason="属销售承诺"), Transfer),
    "extension": (extensions, lambda c, p, now: extensions.request_extension(
        c, clock_code="plan_agreement", actor=p["lijl"], now=now, reason="客户出差"), ExtensionRequest),
}


@pytest.mark.parametrize("step", STEPS)
def test_a_step_whose_notice_cannot_be_written_is_not_done(step, p1, people, now, monkeypatch):
    module, do, record = STEPS[step]
    c = bring_to(State.HANDLING, people, now)
    before = Complaint.objects.get(pk=c.pk)
    monkeypatch.setattr(module, "notify", inbox_down)
    with pytest.raises(DatabaseError):
        do(before, people, now)
    after = Complaint.objects.get(pk=c.pk)
    assert not record.objects.exists()
    assert (after.version, after.department_id) == (before.version, before.department_id)
    assert after.events.count() == before.events.count()
