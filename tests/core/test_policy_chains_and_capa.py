"""The policy document's new parts (issue 18) — approval chains, committees, fallbacks, CAPA — load,
export and import unchanged, and a wrong one is refused by the field that is wrong."""

from __future__ import annotations

import pytest
import yaml

from kesu.core.errors import ValidationFailed
from kesu.core.policy import load_preset
from kesu.core.policy.io import PRESETS_DIR, dump_policy, load_policy


def p1_with(**sections) -> str:  # type: ignore[no-untyped-def]
    doc = yaml.safe_load((PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8"))
    for name, value in sections.items():
        if name == "approvals":
            doc["approvals"].update(value)
        else:
            doc[name] = value
    return yaml.safe_dump(doc, allow_unicode=True)


LAW_FIRM = {
    "committees": [{"code": "partners", "name": "合伙人会议", "members": ["person:zhang", "person:li", "gm"],
                    "quorum": 2, "majority": "two_thirds"}],
    "chains": [{"code": "major", "name": "重大事项", "applies_to": "solution", "levels": ["major"],
                "stages": [{"approver": "dept_manager", "fallback": ["gm"], "fallback_after": "4h"},
                           {"committee": "partners"}]}],
}


def test_a_chain_with_a_committee_and_a_fallback_loads_and_exports_unchanged():
    policy = load_policy(p1_with(approvals=LAW_FIRM))
    chain = policy.approvals.chain_for("solution", "major", [])
    assert chain is not None and [s.committee for s in chain.stages] == [None, "partners"]
    assert policy.approvals.chain_for("solution", "dissatisfied", []) is None  # only the levels it names
    assert load_policy(dump_policy(policy)) == policy


def test_a_chain_naming_an_unknown_committee_role_or_level_is_refused_by_its_field():
    bad = {"committees": [{"code": "partners", "name": "合伙人会议", "members": ["partner"], "quorum": 1}],
           "chains": [{"code": "x", "name": "X", "applies_to": "solution", "levels": ["huge"],
                       "stages": [{"committee": "board"}, {"approver": "gm", "committee": "partners"}, {},
                                  {"approver": "chief", "fallback_after": "2h"}]}]}
    with pytest.raises(ValidationFailed) as refused:
        load_policy(p1_with(approvals=bad))
    fields = {e.field: e.code for e in refused.value.errors}
    assert fields == {
        "approvals.committees[1].members[1]": "unknown_role",
        "approvals.chains[1].levels[1]": "unknown_level",
        "approvals.chains[1].stages[1].committee": "unknown_committee",
        "approvals.chains[1].stages[2]": "stage_one_decider",
        "approvals.chains[1].stages[3]": "stage_one_decider",
        "approvals.chains[1].stages[4].approver": "unknown_role",
        "approvals.chains[1].stages[4].fallback": "required",
    }


def test_a_committee_of_named_people_cannot_need_more_votes_than_it_has_members():
    bad = {"committees": [{"code": "p", "name": "合伙人会议", "members": ["person:a", "person:b"], "quorum": 3}]}
    with pytest.raises(ValidationFailed) as refused:
        load_policy(p1_with(approvals=bad))
    assert {e.field: e.code for e in refused.value.errors} == {"approvals.committees[1].quorum": "too_large"}


def test_the_capa_section_is_checked_by_its_fields():
    with pytest.raises(ValidationFailed) as refused:
        load_policy(p1_with(capa={"verifiers": ["quality"], "due_within": "90m", "escalate_to": "boss",
                                  "required_levels": ["huge"]}))
    fields = {e.field: e.code for e in refused.value.errors}
    assert fields == {"capa.verifiers[1]": "unknown_role", "capa.escalate_to": "unknown_role",
                      "capa.due_within": "working_unit_minutes", "capa.required_levels[1]": "unknown_level"}


def test_the_pharmaceutical_distributor_preset_answers_within_24_hours_and_has_the_adr_form():
    p = load_preset("p7_pharma_distributor")
    clocks = {c.code: c for c in p.clocks}
    assert str(clocks["reply"].targets["*"]) == "24h"  # 4.4.3 所有投诉问题必须在 24 小时内作出回复
    assert (str(clocks["opinion"].targets["*"]), clocks["opinion"].time) == ("1d", "working")  # 4.3.3
    fields = {f.code for f in p.record_fields}
    assert {"batch_no", "taken_since", "dose_taken", "with_other_drugs"} <= fields  # 《药品不良反应登记表》
    assert p.handling.external_notice is not None and p.handling.external_notice.categories == ["adverse_reaction"]
    assert p.capa.required_levels == ["major"]
