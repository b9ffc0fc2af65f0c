"""The five presets of SPEC F1 ship complete, load, validate, and read like their seeds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kesu.core.policy import Duration, dump_policy, load_policy, load_preset, preset_paths

PRESETS = [p.stem for p in preset_paths()]


def test_the_five_presets_ship_with_the_product():
    assert PRESETS == ["p1_four_level", "p2_mall_three_tier", "p3_rapid_response", "p4_public_commitment",
                       "p5_property_management"]


@pytest.mark.parametrize("stem", PRESETS)
def test_each_preset_loads_and_export_then_import_round_trips_unchanged(stem):
    policy = load_preset(stem)
    exported = dump_policy(policy)
    assert load_policy(exported) == policy
    assert dump_policy(load_policy(exported)) == exported


@pytest.mark.parametrize("stem", PRESETS)
def test_each_preset_is_complete(stem):
    p = load_preset(stem)
    assert p.levels and p.clocks and p.categories and p.routing and p.channels
    assert {v.code for v in p.validity} == {"valid", "enquiry", "help", "venting", "malicious"}
    assert p.retention.years >= 2
    assert p.routing[-1].when.is_empty  # a catch-all rule
    for level in p.levels:
        assert p.clocks_for(level.code), f"{stem}: no clock runs at level {level.code}"


def target(stem: str, clock: str, level: str, channel: str = "phone") -> tuple[str, str]:
    p = load_preset(stem)
    found = {c.code: (str(t), c.time) for c, t in p.clocks_for(level, channel)}
    return found[clock]


def test_p1_first_response_per_level_30_20_10_10_minutes():
    assert [target("p1_four_level", "first_response", lv)[0] for lv in
            ("dissatisfied", "very_dissatisfied", "major", "crisis")] == ["30m", "20m", "10m", "10m"]


def test_p1_second_response_is_24_hours_at_every_level():
    assert {target("p1_four_level", "second_response", lv)[0] for lv in
            ("dissatisfied", "very_dissatisfied", "major", "crisis")} == {"24h"}


def test_p1_walk_in_first_contact_within_10_minutes():
    assert target("p1_four_level", "first_response", "dissatisfied", channel="walk_in")[0] == "10m"


def test_p1_penalties_are_20_30_50_80_yuan_and_contacts_2_2_2_case_by_case():
    p = load_preset("p1_four_level")
    assert [lv.penalty for lv in p.levels] == [Decimal(20), Decimal(30), Decimal(50), Decimal(80)]
    assert [lv.contact_attempts for lv in p.levels] == [2, 2, 2, None]


def test_p1_process_clocks_of_the_coordination_work_order():
    assert target("p1_four_level", "handoff", "major")[0] == "10m"
    assert target("p1_four_level", "plan_agreement", "major")[0] == "10m"
    assert target("p1_four_level", "progress_call", "major")[0] == "40m"
    assert target("p1_four_level", "result_return", "major")[0] == "12h"


def test_p1_extension_requests_go_to_the_gm_and_closure_is_signed_reviewed_archived():
    w = load_preset("p1_four_level").workflow
    assert (w.extension_approver, w.sign_off, w.review, w.archive) == ("gm", "cs_manager", "gm", "archivist")


def test_p2_basic_and_tier1_go_to_the_store_and_tier2_to_the_back_office():
    routing = load_preset("p2_mall_three_tier").routing
    assert routing[0].when.levels == ["tier2"] and routing[0].department == "@complained"
    assert routing[0].unit == "二级处理单位"
    assert routing[-1].department == "@location" and routing[-1].unit == "一级处理单位"


def test_p2_resolved_within_one_day_and_vouchers_charged_to_the_originating_departments_pr():
    p = load_preset("p2_mall_three_tier")
    assert target("p2_mall_three_tier", "resolution", "basic")[0] == "24h"
    assert p.approvals.charge_to == "originating_department_pr"
    assert p.approvals.compensation[-1].up_to is None  # 专案呈核
    assert "voucher" in p.approvals.compensation_kinds


def test_p3_urgent_1h_4h_important_24h_72h_general_3_and_5_working_days():
    assert target("p3_rapid_response", "response", "urgent") == ("1h", "calendar")
    assert target("p3_rapid_response", "initial_solution", "urgent") == ("4h", "calendar")
    assert target("p3_rapid_response", "response", "important") == ("24h", "calendar")
    assert target("p3_rapid_response", "solution", "important") == ("72h", "calendar")
    assert target("p3_rapid_response", "response_working", "general") == ("3d", "working")
    assert target("p3_rapid_response", "solution_working", "general") == ("5d", "working")


def test_p4_contact_in_24h_answer_in_3_or_7_working_days_and_objections_go_up():
    assert target("p4_public_commitment", "confirmation", "ordinary") == ("24h", "calendar")
    assert target("p4_public_commitment", "answer", "ordinary") == ("3d", "working")
    assert target("p4_public_commitment", "answer", "complex") == ("7d", "working")
    p = load_preset("p4_public_commitment")
    assert p.follow_up.return_visit_within == Duration(days=7)
    assert p.follow_up.objection_reviewer == "gm"


def test_p5_return_visit_within_2_working_days_by_the_first_receiver():
    assert target("p5_property_management", "return_visit", "general") == ("2d", "working")
    p = load_preset("p5_property_management")
    visit = next(c for c in p.clocks if c.code == "return_visit")
    assert visit.responsible == "receiver"  # 首问负责
    assert next(f for f in p.record_fields if f.code == "unit_number").required
