"""Steps the policy requires for some levels or categories (issue 18), from seed 000's law firm:
涉及原则性问题或重大问题的投诉…确定是否向相关管理部门通报; 原则上要求采用书面形式回复意见. Each is a
declared step recorded on the timeline, and the step it must precede is refused until it is taken."""

from __future__ import annotations

import pytest
import yaml

from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core.errors import TransitionRefused, ValidationFailed
from kesu.core.lifecycle import State
from kesu.core.policy.io import PRESETS_DIR, load_policy
from kesu.policies.services import import_and_publish
from kesu.workflow import services as workflow
from tests.factories import bring_to, register

pytestmark = pytest.mark.django_db


def p1_with_handling(**handling) -> str:  # type: ignore[no-untyped-def]
    doc = yaml.safe_load((PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8"))
    doc.setdefault("handling", {}).update(handling)
    doc["approvals"]["solution_levels"] = []  # this file is about notices and replies, not the GM's approval
    return yaml.safe_dump(doc, allow_unicode=True)


def fresh(c: Complaint) -> Complaint:
    return Complaint.objects.get(pk=c.pk)


def test_a_written_reply_is_sent_before_the_case_is_signed_off(people, now):
    import_and_publish(text=p1_with_handling(written_reply={}), actor=None, now=now)
    c = bring_to(State.SATISFIED, people, now)
    with pytest.raises(TransitionRefused, match="书面回复"):
        lifecycle.sign_off(c, actor=people["zhoujl"], now=now)
    c = workflow.reply_in_writing(fresh(c), actor=people["wangkf"], now=now, means="letter",
                                  reply="经调查，返修已完成，特此书面答复。")
    event = c.events.order_by("-seq").first()
    assert (event.kind, event.changes["means"], event.reason) == ("written_reply", [None, "letter"],
                                                                 "经调查，返修已完成，特此书面答复。")
    assert lifecycle.sign_off(c, actor=people["zhoujl"], now=now).status == State.SIGNED_OFF


def test_the_authorities_are_notified_before_the_solution_of_a_major_complaint_only(people, now):
    import_and_publish(text=p1_with_handling(external_notice={"levels": ["major"], "before": "agree_solution"},
                                             external_bodies=["律师协会"]), actor=None, now=now)
    ordinary = bring_to(State.HANDLING, people, now)  # 非常不满意: no notice asked
    assert lifecycle.agree_solution(ordinary, actor=people["lijl"], now=now, plan="返修").status \
        == State.SOLUTION_AGREED
    c = register(people, now)
    c = lifecycle.classify(c, actor=people["wangkf"], now=now, level="major", category="repair_quality",
                           validity="valid")
    c = lifecycle.accept(lifecycle.assign(c, actor=people["wangkf"], now=now), actor=people["lijl"], now=now)
    with pytest.raises(TransitionRefused, match="通报相关管理部门"):
        lifecycle.agree_solution(c, actor=people["lijl"], now=now, plan="返修并赔偿")
    with pytest.raises(ValidationFailed) as refused:  # whom it was reported to is named
        workflow.notify_authorities(c, actor=people["zhoujl"], now=now, body=" ", content="已通报")
    assert [e.field for e in refused.value.errors] == ["body"]
    c = workflow.notify_authorities(c, actor=people["zhoujl"], now=now, body="律师协会", content="已书面通报投诉情况")
    assert c.events.order_by("-seq").first().changes["body"] == [None, "律师协会"]
    assert lifecycle.agree_solution(c, actor=people["lijl"], now=now, plan="返修并赔偿").status \
        == State.SOLUTION_AGREED


def test_a_required_step_naming_an_unknown_level_or_category_is_refused_by_its_field():
    with pytest.raises(ValidationFailed) as refused:
        load_policy(p1_with_handling(written_reply={"levels": ["huge"], "categories": ["nothing"],
                                                    "before": "sign_off"},
                                     external_notice={"before": "archive"}))
    fields = {e.field: e.code for e in refused.value.errors}
    assert fields == {"handling.external_notice.before": "not_one_of"}
    with pytest.raises(ValidationFailed) as refused:
        load_policy(p1_with_handling(written_reply={"levels": ["huge"], "categories": ["nothing"]}))
    fields = {e.field: e.code for e in refused.value.errors}
    assert fields == {"handling.written_reply.levels[1]": "unknown_level",
                      "handling.written_reply.categories[1]": "unknown_category"}
