"""A malformed or inconsistent policy is refused whole, with every problem named by its field
(SPEC F1). Each case starts from a preset exported and read back as plain data, and breaks one thing."""

from __future__ import annotations

import copy
import string
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.messages import CATALOGUE
from kesu.core.policy import dump_policy, load_policy, load_preset, policy_from_data

Change = Callable[[dict[str, Any]], None]

P1 = yaml.safe_load(dump_policy(load_preset("p1_four_level")))
P3 = yaml.safe_load(dump_policy(load_preset("p3_rapid_response")))
BASES = {"p1": P1, "p3": P3}


def broken(change: Change, base: str = "p1") -> dict[str, Any]:
    data = copy.deepcopy(BASES[base])
    change(data)
    return data


def clock(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(c for c in data["clocks"] if c["code"] == code)


def from_data(data: dict[str, Any]) -> None:
    policy_from_data(data)


def from_yaml(data: dict[str, Any]) -> None:
    load_policy(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


ENTRY_POINTS = {"data": from_data, "yaml": from_yaml}

# (what is broken, base preset, the change, expected error code, expected field path)
CASES: list[tuple[str, str, Change, str, str]] = [
    # clocks — P1's are first_response, second_response, handoff, plan_agreement, progress_call, result_return
    ("unknown level in a clock target", "p1",
     lambda d: clock(d, "first_response")["targets"].update(catastrophic="5m"),
     "unknown_level", "clocks[1].targets.catastrophic"),
    ("negative target", "p1", lambda d: clock(d, "first_response")["targets"].update(major="-5m"),
     "duration_not_positive", "clocks[1].targets.major"),
    ("zero target", "p1", lambda d: clock(d, "second_response").update(targets={"*": "0h"}),
     "duration_not_positive", "clocks[2].targets.*"),
    ("malformed duration", "p1", lambda d: clock(d, "second_response").update(targets={"*": "one day"}),
     "bad_duration", "clocks[2].targets.*"),
    ("a bare number as a duration", "p1", lambda d: clock(d, "second_response").update(targets={"*": 30}),
     "bad_duration", "clocks[2].targets.*"),
    ("start event not in the lifecycle", "p1", lambda d: clock(d, "handoff").update(start="customer_angry"),
     "unknown_event", "clocks[3].start"),
    ("stop event not in the lifecycle", "p1", lambda d: clock(d, "second_response").update(
        stop=["record_satisfied", "teleport"]), "unknown_event", "clocks[2].stop[2]"),
    ("stop equals start", "p1", lambda d: clock(d, "handoff").update(stop=["registered"]),
     "clock_same_event", "clocks[3].stop[1]"),
    ("a clock with no stop event", "p1", lambda d: clock(d, "handoff").update(stop=[]),
     "required", "clocks[3].stop"),
    ("a clock with no target", "p1", lambda d: clock(d, "handoff").update(targets={}),
     "clock_no_target", "clocks[3].targets"),
    ("minutes on a working-time clock", "p1", lambda d: clock(d, "handoff").update(time="working"),
     "working_unit_minutes", "clocks[3].targets.*"),
    ("a minutes warning on a working-time clock", "p3",
     lambda d: clock(d, "response_working").update(warn_before="30m"),
     "working_unit_minutes", "clocks[2].warn_before"),
    ("an unknown time mode", "p3", lambda d: clock(d, "response_working").update(time="workdays"),
     "not_one_of", "clocks[2].time"),
    ("an unknown channel in a channel target", "p1",
     lambda d: clock(d, "first_response")["channel_targets"].update(pigeon="5m"),
     "unknown_channel", "clocks[1].channel_targets.pigeon"),
    ("an unknown clock role", "p1", lambda d: clock(d, "handoff").update(responsible="janitor"),
     "unknown_role", "clocks[3].responsible"),
    # levels
    ("duplicate level code", "p1", lambda d: d["levels"][1].update(code="dissatisfied"),
     "duplicate_code", "levels"),
    ("gap in level order", "p1", lambda d: d["levels"][3].update(order=7), "level_order", "levels"),
    ("a level without a name", "p1", lambda d: d["levels"][0].update(name=""), "required", "levels[1].name"),
    ("a penalty that is not a number", "p1", lambda d: d["levels"][0].update(penalty="abc"),
     "bad_type", "levels[1].penalty"),
    ("a negative penalty", "p1", lambda d: d["levels"][0].update(penalty=-20), "too_small", "levels[1].penalty"),
    ("zero contact attempts", "p1", lambda d: d["levels"][0].update(contact_attempts=0),
     "too_small", "levels[1].contact_attempts"),
    ("levels given as text", "p1", lambda d: d.update(levels="four"), "bad_type", "levels"),
    # roles and workflow
    ("unknown role in the workflow", "p1", lambda d: d["workflow"].update(review="ceo"),
     "unknown_role", "workflow.review"),
    ("unknown objection reviewer", "p1", lambda d: d["follow_up"].update(objection_reviewer="mayor"),
     "unknown_role", "follow_up.objection_reviewer"),
    # approvals
    ("approval thresholds not ascending", "p1", lambda d: d["approvals"]["compensation"][1].update(up_to=100),
     "thresholds_ascending", "approvals.compensation[2].up_to"),
    ("open threshold not last", "p1", lambda d: d["approvals"]["compensation"][0].update(up_to=None),
     "threshold_open_last", "approvals.compensation[1].up_to"),
    ("an unknown approver", "p1", lambda d: d["approvals"]["compensation"][2].update(approver="board"),
     "unknown_role", "approvals.compensation[3].approver"),
    ("an unknown level needing solution approval", "p1", lambda d: d["approvals"].update(solution_levels=["huge"]),
     "unknown_level", "approvals.solution_levels[1]"),
    ("an unknown compensation kind", "p1", lambda d: d["approvals"].update(compensation_kinds=["cash", "bitcoin"]),
     "not_one_of", "approvals.compensation_kinds[2]"),
    # routing
    ("routing without a catch-all", "p1", lambda d: d["routing"][0].update(when={"levels": ["major"]}),
     "routing_no_default", "routing[1].when"),
    ("unknown category in routing", "p1",
     lambda d: d["routing"].insert(0, {"when": {"categories": ["weather"]}, "department": "sales"}),
     "unknown_category", "routing[1].when.categories[1]"),
    ("unknown level in routing", "p1",
     lambda d: d["routing"].insert(0, {"when": {"levels": ["apocalypse"]}, "department": "legal"}),
     "unknown_level", "routing[1].when.levels[1]"),
    ("an unknown special department", "p1", lambda d: d["routing"][0].update(department="@store"),
     "not_one_of", "routing[1].department"),
    # categories, channels, validity
    ("duplicate category code below the top", "p1", lambda d: d["categories"].append({"code": "parts", "name": "配件"}),
     "duplicate_code", "categories"),
    ("an unknown channel", "p1", lambda d: d["channels"].append("carrier_pigeon"), "unknown_channel", "channels[6]"),
    ("validity without 'valid'", "p1", lambda d: d.update(validity=[{"code": "enquiry", "name": "咨询"}]),
     "validity_needs_valid", "validity"),
    ("a policy's own validity kind that does not say what it counts as", "p1",
     lambda d: d["validity"].append({"code": "spam", "name": "垃圾"}), "counts_as_required", "validity[6].counts_as"),
    # numbering
    ("numbering without a sequence", "p1", lambda d: d["numbering"].update(pattern="{yy}{mm}{dd}"),
     "numbering_no_seq", "numbering.pattern"),
    ("a yearly sequence without the year", "p1", lambda d: d["numbering"].update(pattern="{mm}{dd}{seq:3}"),
     "numbering_period", "numbering.pattern"),
    ("a monthly sequence without the month", "p1",
     lambda d: d["numbering"].update(pattern="{yy}{seq:4}", reset="month"),
     "numbering_period", "numbering.pattern"),
    ("an unknown numbering placeholder", "p1", lambda d: d["numbering"].update(pattern="{yy}{ww}{seq}"),
     "numbering_token", "numbering.pattern"),
    # record fields, retention, the document itself
    ("a choice field without choices", "p1",
     lambda d: d["record_fields"].append({"code": "colour", "name": "车身颜色", "type": "choice"}),
     "record_field_choices", "record_fields[5].choices"),
    ("retention under two years", "p1", lambda d: d["retention"].update(years=1), "retention_min", "retention.years"),
    ("a required part missing", "p1", lambda d: d.pop("levels"), "required", "levels"),
    ("retention missing", "p1", lambda d: d.pop("retention"), "required", "retention"),
    ("a misspelt key", "p1", lambda d: d["levels"][0].update(penalti=20), "unknown_field", "levels[1].penalti"),
    ("a misspelt top-level key", "p1", lambda d: d.update(chanels=d["channels"]), "unknown_field", "chanels"),
    ("an impossible effective date", "p1", lambda d: d.update(effective_date="2026-13-01"),
     "bad_type", "effective_date"),
    ("an unknown format version", "p1", lambda d: d.update(kesu_policy=2), "policy_format", "kesu_policy"),
]


def refusal(entry: str, base: str, change: Change) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as refused:
        ENTRY_POINTS[entry](broken(change, base))
    return refused.value


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(("base", "change", "code", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_broken_policy_is_refused_naming_the_field_and_the_problem(entry, base, change, code, field):
    found = [(e.code, e.field) for e in refusal(entry, base, change).errors]
    assert (code, field) in found, found


@pytest.mark.parametrize(("base", "change", "code", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_refusal_reads_in_chinese_and_in_english_with_the_field_path(base, change, code, field):
    error = next(e for e in refusal("data", base, change).errors if (e.code, e.field) == (code, field))
    zh, en = error.message("zh-hans"), error.message("en")
    assert f"字段「{field}」：" in zh
    assert f"field '{field}': " in en
    assert code in CATALOGUE  # a real message, not the bare code
    for template in CATALOGUE[code]:  # every placeholder filled in
        assert {name for _, name, _, _ in string.Formatter().parse(template) if name} <= set(error.params)


def test_every_problem_of_a_file_is_reported_at_once():
    def structural(d: dict[str, Any]) -> None:
        d["levels"][0]["penalty"] = -1
        d["levels"][1]["penalti"] = 30

    def references(d: dict[str, Any]) -> None:
        d["workflow"]["archive"] = "nobody"
        d["retention"]["years"] = 1
        clock(d, "handoff")["stop"] = ["registered"]

    for change, fields in ((structural, {"levels[1].penalty", "levels[2].penalti"}),
                           (references, {"workflow.archive", "retention.years", "clocks[3].stop[1]"})):
        with pytest.raises(ValidationFailed) as refused:
            policy_from_data(broken(change))
        assert {e.field for e in refused.value.errors} == fields


def test_the_refusal_lists_every_problem_in_chinese_and_english():
    def two(d: dict[str, Any]) -> None:
        d["workflow"]["review"] = "ceo"
        d["retention"]["years"] = 1

    with pytest.raises(ValidationFailed) as refused:
        policy_from_data(broken(two))
    zh, en = refused.value.message("zh-hans"), refused.value.message("en")
    assert zh.splitlines()[0] == "共发现 2 处错误"
    assert "- 字段「workflow.review」：未定义的角色「ceo」" in zh
    assert "- 字段「retention.years」：档案保存期限不得少于 2 年" in zh
    assert en.splitlines()[0] == "2 problem(s) found"
    assert "- field 'workflow.review': unknown role 'ceo'" in en
    assert "- field 'retention.years': records must be kept at least 2 years" in en
    assert [e["field"] for e in refused.value.as_dict("en")["errors"]] == ["workflow.review", "retention.years"]


def test_unparseable_yaml_says_which_line_and_column():
    with pytest.raises(ValidationFailed) as refused:
        load_policy("code: p1\nlevels: [unclosed\n")
    (error,) = refused.value.errors
    assert error.code == "policy_unreadable"
    assert "第 3 行第 1 列" in error.message("zh-hans")


def test_a_tab_in_the_middle_of_a_preset_is_reported_at_its_line():
    lines = dump_policy(load_preset("p1_four_level")).splitlines()
    lines.insert(9, "\tname: 不满意")
    with pytest.raises(ValidationFailed) as refused:
        load_policy("\n".join(lines))
    (error,) = refused.value.errors
    assert error.code == "policy_unreadable"
    assert "第 10 行第 1 列" in error.message("zh-hans")


@pytest.mark.parametrize("text", ["- just\n- a list\n", "just a sentence\n", "42\n", ""])
def test_a_file_that_is_not_a_mapping_is_refused(text):
    with pytest.raises(ValidationFailed) as refused:
        load_policy(text)
    assert [e.code for e in refused.value.errors] == ["policy_not_mapping"]
    assert "顶层必须是键值结构" in refused.value.message("zh-hans")
    assert "must be a mapping" in refused.value.message("en")


def test_a_refusal_is_a_kesu_error_naming_its_first_field():
    with pytest.raises(KesuError) as refused:
        policy_from_data(broken(lambda d: d["retention"].update(years=1)))
    assert refused.value.field == "retention.years"
