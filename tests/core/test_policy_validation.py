"""A malformed or inconsistent policy is refused whole, with every problem named by its field
(SPEC F1). Each case starts from the P1 preset and breaks one thing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from kesu.core.errors import ValidationFailed
from kesu.core.policy import dump_policy, load_policy, load_preset, policy_from_data

P1 = yaml.safe_load(dump_policy(load_preset("p1_four_level")))


def broken(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(P1)
    change(data)
    return data


def clock(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(c for c in data["clocks"] if c["code"] == code)


CASES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("unknown level in a clock target",
     lambda d: clock(d, "first_response")["targets"].update(catastrophic="5m"),
     "unknown_level", "clocks[1].targets.catastrophic"),
    ("negative target", lambda d: clock(d, "first_response")["targets"].update(major="-5m"),
     "duration_not_positive", "clocks[1].targets.major"),
    ("malformed duration", lambda d: clock(d, "second_response").update(targets={"*": "one day"}),
     "bad_duration", "clocks[2].targets.*"),
    ("start event not in the lifecycle", lambda d: clock(d, "handoff").update(start="customer_angry"),
     "unknown_event", "clocks[3].start"),
    ("stop event not in the lifecycle", lambda d: clock(d, "handoff").update(stop=["teleport"]),
     "unknown_event", "clocks[3].stop[1]"),
    ("stop equals start", lambda d: clock(d, "handoff").update(stop=["registered"]),
     "clock_same_event", "clocks[3].stop[1]"),
    ("minutes on a working-time clock", lambda d: clock(d, "handoff").update(time="working"),
     "working_unit_minutes", "clocks[3].targets.*"),
    ("duplicate level code", lambda d: d["levels"][1].update(code="dissatisfied"),
     "duplicate_code", "levels"),
    ("gap in level order", lambda d: d["levels"][3].update(order=7), "level_order", "levels"),
    ("unknown role in the workflow", lambda d: d["workflow"].update(review="ceo"),
     "unknown_role", "workflow.review"),
    ("approval thresholds not ascending", lambda d: d["approvals"]["compensation"][1].update(up_to=100),
     "thresholds_ascending", "approvals.compensation[2].up_to"),
    ("open threshold not last", lambda d: d["approvals"]["compensation"][0].update(up_to=None),
     "threshold_open_last", "approvals.compensation[1].up_to"),
    ("routing without a catch-all", lambda d: d["routing"][0].update(when={"levels": ["major"]}),
     "routing_no_default", "routing[1].when"),
    ("unknown category in routing",
     lambda d: d["routing"].insert(0, {"when": {"categories": ["weather"]}, "department": "sales"}),
     "unknown_category", "routing[1].when.categories[1]"),
    ("numbering without a sequence", lambda d: d["numbering"].update(pattern="{yy}{mm}{dd}"),
     "numbering_no_seq", "numbering.pattern"),
    ("a yearly sequence without the year", lambda d: d["numbering"].update(pattern="{mm}{dd}{seq:3}"),
     "numbering_period", "numbering.pattern"),
    ("retention under two years", lambda d: d["retention"].update(years=1), "retention_min", "retention.years"),
    ("a required part missing", lambda d: d.pop("levels"), "required", "levels"),
    ("a misspelt key", lambda d: d["levels"][0].update(penalti=20), "unknown_field", "levels[1].penalti"),
    ("validity without 'valid'", lambda d: d.update(validity=[{"code": "enquiry", "name": "咨询"}]),
     "validity_needs_valid", "validity"),
    ("a penalty that is not a number", lambda d: d["levels"][0].update(penalty="abc"),
     "bad_type", "levels[1].penalty"),
    ("a negative penalty", lambda d: d["levels"][0].update(penalty=-20), "too_small", "levels[1].penalty"),
    ("an unknown channel", lambda d: d["channels"].append("carrier_pigeon"), "unknown_channel", "channels[6]"),
    ("an unknown clock role", lambda d: clock(d, "handoff").update(responsible="janitor"),
     "unknown_role", "clocks[3].responsible"),
]


@pytest.mark.parametrize(("change", "code", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_broken_policy_is_refused_naming_the_field(change, code, field):
    with pytest.raises(ValidationFailed) as refused:
        policy_from_data(broken(change))
    found = [(e.code, e.field) for e in refused.value.errors]
    assert (code, field) in found, found


def test_every_problem_of_a_file_is_reported_at_once():
    def structural(d: dict[str, Any]) -> None:
        d["levels"][0]["penalty"] = -1
        d["levels"][1]["penalti"] = 30

    def references(d: dict[str, Any]) -> None:
        d["workflow"]["archive"] = "nobody"
        d["retention"]["years"] = 1

    for change, fields in ((structural, {"levels[1].penalty", "levels[2].penalti"}),
                           (references, {"workflow.archive", "retention.years"})):
        with pytest.raises(ValidationFailed) as refused:
            policy_from_data(broken(change))
        assert {e.field for e in refused.value.errors} == fields


def test_messages_name_the_field_in_chinese_and_in_english():
    with pytest.raises(ValidationFailed) as refused:
        policy_from_data(broken(lambda d: d["workflow"].update(review="ceo")))
    assert "字段「workflow.review」" in refused.value.message("zh-hans")
    assert "未定义的角色「ceo」" in refused.value.message("zh-hans")
    assert "field 'workflow.review'" in refused.value.message("en")


def test_unparseable_yaml_says_where():
    with pytest.raises(ValidationFailed) as refused:
        load_policy("code: p1\nlevels: [unclosed\n")
    assert refused.value.errors[0].code == "policy_unreadable"
    assert "第 3 行" in refused.value.message() or "第 2 行" in refused.value.message()


def test_a_file_that_is_not_a_mapping_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        load_policy("- just\n- a list\n")
    assert refused.value.errors[0].code == "policy_not_mapping"


def test_an_unknown_format_version_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        policy_from_data(broken(lambda d: d.update(kesu_policy=2)))
    assert refused.value.errors[0].field == "kesu_policy"
