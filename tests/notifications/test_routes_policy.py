"""Routes and crisis rules are part of the policy (issue 16): checked like every other section,
every problem named by its field; P1–P5 carry crisis rules taken from the seeds."""

from __future__ import annotations

import pytest

from kesu.core.crisis import detect
from kesu.core.errors import ValidationFailed
from kesu.core.policy import load_preset, preset_paths
from kesu.core.policy.checks import check_policy
from kesu.core.policy.io import dump_policy, load_policy

SIGNALS = ["媒体", "记者", "曝光", "律师", "起诉", "12315", "消协", "堵门", "拉横幅"]


@pytest.mark.parametrize("path", preset_paths(), ids=lambda p: p.stem)
def test_every_preset_has_crisis_rules_from_the_seeds_a_receipt_and_a_rating_link_for_the_customer(path):
    policy = load_preset(path.stem)
    assert check_policy(policy) == []
    assert policy.crisis is not None and set(SIGNALS) <= set(policy.crisis.keywords)
    assert policy.crisis.raise_to and "legal" in policy.crisis.legal and "gm" in policy.crisis.team
    assert any(r.event == "registered" and "@customer" in r.to for r in policy.notifications.routes)
    # and the rating link after the return visit (issue 16, Deliver 4), by SMS or e-mail as they gave
    assert any(r.template == "customer_rating" and "@customer" in r.to and {"sms", "email"} <= set(r.channels)
               for r in policy.notifications.routes)
    hit = detect(policy, "你们再不处理我就找律师起诉，还要打12315、找记者曝光", level=policy.levels[0].code)
    assert hit.raise_to == policy.crisis.raise_to and "律师" in hit.words
    assert load_policy(dump_policy(policy)) == policy  # exported and imported unchanged


def test_an_unknown_recipient_event_or_level_is_named_by_its_field():
    text = dump_policy(load_preset("p1_four_level")).replace(
        "- event: return_result", "- event: returned_result").replace("- gm\n  - cs_manager", "- gm\n  - chief")
    with pytest.raises(ValidationFailed) as refused:
        load_policy(text)
    errors = {e.field: e.code for e in refused.value.errors}
    assert errors["notifications.routes[3].event"] == "unknown_notice_event"
    assert errors["crisis.team[2]"] == "unknown_target"


def test_approval_waiting_and_report_ready_are_route_events_with_recipients_that_fit_them():
    routes = """notifications:
  routes:
  - {event: approval_waiting, to: ["@approver", cs_manager, "robot:desk"], channels: [inapp, sms]}
  - {event: report_ready, to: [gm, "department:legal", "robot:desk"], channels: [inapp, email]}
"""
    text = dump_policy(load_preset("p1_four_level")).replace("notifications:\n  routes:\n", routes, 1)
    policy = load_policy(text)
    assert [r.event for r in policy.notifications.routes][:2] == ["approval_waiting", "report_ready"]

    wrong = """notifications:
  routes:
  - {event: registered, to: ["@approver"]}
  - {event: report_ready, to: ["@customer", gm], levels: [major]}
"""
    with pytest.raises(ValidationFailed) as refused:
        load_policy(dump_policy(load_preset("p1_four_level")).replace("notifications:\n  routes:\n", wrong, 1))
    errors = {e.field: e.code for e in refused.value.errors}
    assert errors["notifications.routes[1].to[1]"] == "target_not_for_event"  # the approver of no approval
    assert errors["notifications.routes[2].to[1]"] == "target_not_for_event"  # a report has no customer
    assert errors["notifications.routes[2].levels"] == "levels_not_for_event"
    message = next(e for e in refused.value.errors if e.field == "notifications.routes[2].levels").message("en")
    assert "concerns no complaint" in message
