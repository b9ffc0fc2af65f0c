"""The five presets of SPEC F1 ship complete, load, validate, and read like their seeds."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from typing import Any

import pytest
import yaml

from kesu.core.policy import Duration, Policy, dump_policy, load_policy, load_preset, preset_paths
from kesu.core.registration import RegistrationInput

PRESETS = [p.stem for p in preset_paths()]
CJK_GAP = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef] [\u4e00-\u9fff]")  # what a folded scalar leaves


def target(stem: str, clock: str, level: str, channel: str = "phone") -> tuple[str, str]:
    """The target of ``clock`` for a complaint at ``level`` (and ``channel``), with its time mode."""
    p = load_preset(stem)
    found = {c.code: (str(t), c.time) for c, t in p.clocks_for(level, channel)}
    return found[clock]


def descriptions(value: Any) -> list[str]:
    """Every ``description`` in a policy document: the long Chinese texts."""
    if isinstance(value, dict):
        own = [value["description"]] if isinstance(value.get("description"), str) else []
        return own + [s for v in value.values() for s in descriptions(v)]
    if isinstance(value, list):
        return [s for v in value for s in descriptions(v)]
    return []


# ---- every preset -----------------------------------------------------------------------------


def test_the_presets_ship_with_the_product():
    assert PRESETS == ["p1_four_level", "p2_mall_three_tier", "p3_rapid_response", "p4_public_commitment",
                       "p5_property_management", "p6_logistics_network", "p7_pharma_distributor"]


@pytest.mark.parametrize("stem", PRESETS)
def test_each_preset_loads_validates_and_is_named_after_its_file(stem):
    policy = load_preset(stem)
    assert isinstance(policy, Policy)
    assert policy.code == stem


@pytest.mark.parametrize("stem", PRESETS)
def test_each_preset_exported_then_imported_is_unchanged(stem):
    policy = load_preset(stem)
    exported = dump_policy(policy)
    assert load_policy(exported) == policy
    assert dump_policy(load_policy(exported)) == exported  # the export is stable


@pytest.mark.parametrize("stem", PRESETS)
def test_each_preset_is_complete(stem):
    p = load_preset(stem)
    assert p.channels and p.levels and p.clocks and p.categories and p.routing
    assert {v.code for v in p.validity} == {"valid", "enquiry", "help", "venting", "malicious"}
    assert p.routing[-1].when.is_empty  # a catch-all rule ends the routing
    assert p.approvals.compensation and p.approvals.compensation[-1].up_to is None  # 专案呈核 above the top
    assert p.workflow.sign_off and p.workflow.archive and p.workflow.extension_approver
    assert p.record_fields
    assert p.retention.years >= 2
    for level in p.levels:
        assert p.clocks_for(level.code), f"{stem}: no clock runs at level {level.code}"
        assert any(c.start == "registered" for c, _ in p.clocks_for(level.code)), f"{stem}: {level.code}"


@pytest.mark.parametrize("stem", PRESETS)
def test_a_return_visit_promised_by_the_follow_up_rules_is_also_a_clock(stem):
    p = load_preset(stem)
    within = p.follow_up.return_visit_within
    if within is None:
        return
    for level in p.levels:
        visits = [(t, c.time) for c, t in p.clocks_for(level.code) if c.start == "return_result"]
        assert (within, p.follow_up.time) in visits, f"{stem}: level {level.code}"


@pytest.mark.parametrize("stem", PRESETS)
def test_industry_record_fields_do_not_repeat_the_common_record_template(stem):
    common = {f.name for f in dataclasses.fields(RegistrationInput)}
    assert not {f.code for f in load_preset(stem).record_fields} & common


@pytest.mark.parametrize("stem", PRESETS)
def test_chinese_text_is_not_broken_by_folded_lines(stem):
    text = (preset_paths()[PRESETS.index(stem)]).read_text(encoding="utf-8")
    assert not re.search(r":\s*>[-+]?\s*(#.*)?$", text, re.MULTILINE), "use one line or |- for Chinese text"
    texts = descriptions(yaml.safe_load(text))
    assert texts
    for s in texts:
        assert not CJK_GAP.search(s), s


# ---- P1 four-level service policy (seed 000 第三–八条) ---------------------------------------------

P1 = "p1_four_level"
P1_LEVELS = ("dissatisfied", "very_dissatisfied", "major", "crisis")


def test_p1_has_four_levels_in_the_seeds_order():
    assert [lv.name for lv in load_preset(P1).levels] == ["不满意", "非常不满意", "重大投诉", "危机事件"]


def test_p1_dissatisfied_first_response_is_30_minutes():
    assert target(P1, "first_response", "dissatisfied") == ("30m", "calendar")


def test_p1_very_dissatisfied_first_response_is_20_minutes():
    assert target(P1, "first_response", "very_dissatisfied") == ("20m", "calendar")


def test_p1_major_complaint_and_crisis_first_response_is_10_minutes():
    assert target(P1, "first_response", "major")[0] == "10m"
    assert target(P1, "first_response", "crisis")[0] == "10m"


def test_p1_second_response_is_24_hours_at_every_level():
    assert {target(P1, "second_response", lv)[0] for lv in P1_LEVELS} == {"24h"}


def test_p1_walk_in_first_contact_within_10_minutes():
    assert target(P1, "first_response", "dissatisfied", channel="walk_in")[0] == "10m"
    assert target(P1, "first_response", "dissatisfied", channel="phone")[0] == "30m"


def test_p1_overtime_penalties_are_20_30_50_80_yuan():
    assert [lv.penalty for lv in load_preset(P1).levels] == [Decimal(20), Decimal(30), Decimal(50), Decimal(80)]


def test_p1_first_and_second_response_breaches_book_the_penalty():
    clocks = {c.code: c for c in load_preset(P1).clocks}
    assert clocks["first_response"].penalty and clocks["second_response"].penalty


def test_p1_two_contacts_per_level_and_case_by_case_for_a_crisis():
    assert [lv.contact_attempts for lv in load_preset(P1).levels] == [2, 2, 2, None]


def test_p1_work_order_reaches_the_department_manager_within_10_minutes():
    assert target(P1, "handoff", "dissatisfied")[0] == "10m"


def test_p1_manager_agrees_a_plan_with_the_customer_within_10_minutes():
    assert target(P1, "plan_agreement", "dissatisfied")[0] == "10m"


def test_p1_follow_up_specialist_calls_40_minutes_after_registration_not_before():
    call = next(k for k in load_preset(P1).clocks if k.code == "progress_call")
    assert (call.start, str(call.not_before), call.stop) == ("registered", "40m", ["progress_call"])


@pytest.mark.parametrize("level", ["dissatisfied", "very_dissatisfied", "major", "crisis"])
def test_p1_first_telephone_contact_within_20_minutes_at_every_level_10_on_site(level):
    p = load_preset(P1)
    assert dict((k.code, str(t)) for k, t in p.clocks_for(level, "phone"))["first_contact"] == "20m"
    assert dict((k.code, str(t)) for k, t in p.clocks_for(level, "walk_in"))["first_contact"] == "10m"


def test_p1_result_returned_to_the_follow_up_specialist_within_12_hours():
    assert target(P1, "result_return", "major")[0] == "12h"


def test_p1_complaints_go_to_the_complained_about_departments_manager():
    p = load_preset(P1)
    assert [r.department for r in p.routing] == ["@complained"]


def test_p1_satisfied_cases_are_signed_by_the_cs_manager_reviewed_by_the_gm_and_archived_by_admin():
    w = load_preset(P1).workflow
    assert (w.sign_off, w.review, w.archive) == ("cs_manager", "gm", "archivist")


def test_p1_extension_requests_for_unreachable_customers_go_to_the_gm():
    assert load_preset(P1).workflow.extension_approver == "gm"


# ---- P2 three-tier mall policy (seed 002) ------------------------------------------------------------

P2 = "p2_mall_three_tier"


def test_p2_has_basic_tier1_and_tier2_complaints():
    assert [lv.name for lv in load_preset(P2).levels] == ["初级客诉", "一级客诉", "二级客诉"]


def test_p2_tier2_routes_to_the_back_office_unit():
    first = load_preset(P2).routing[0]
    assert first.when.levels == ["tier2"]
    assert first.department == "customer_service"  # 企划处客服课, the 客诉总单位
    assert first.unit == "二级处理单位"


def test_p2_basic_and_tier1_route_to_the_store_where_it_happened():
    last = load_preset(P2).routing[-1]
    assert last.when.is_empty
    assert (last.department, last.unit) == ("@location", "一级处理单位")


def test_p2_resolved_within_one_day():
    assert {target(P2, "resolution", lv)[0] for lv in ("basic", "tier1", "tier2")} == {"24h"}


def test_p2_vouchers_are_charged_to_the_originating_departments_pr_expense():
    a = load_preset(P2).approvals
    assert a.charge_to == "originating_department_pr"
    assert a.compensation_kinds[0] == "voucher"


def test_p2_large_amounts_go_to_special_approval():
    top = load_preset(P2).approvals.compensation[-1]
    assert top.up_to is None and top.label == "专案呈核" and top.finance_review


def test_p2_records_are_kept_at_least_two_years():
    assert load_preset(P2).retention.years >= 2


def test_p2_has_no_gm_review_and_the_audit_copy_is_archived_by_audit():
    w = load_preset(P2).workflow
    assert (w.review, w.archive) == (None, "auditor")


# ---- P3 rapid-response policy (seed 003) -------------------------------------------------------------

P3 = "p3_rapid_response"


def test_p3_urgent_response_is_1_hour():
    assert target(P3, "response", "urgent") == ("1h", "calendar")


def test_p3_urgent_initial_solution_is_4_hours():
    assert target(P3, "initial_solution", "urgent") == ("4h", "calendar")


def test_p3_important_response_is_24_hours():
    assert target(P3, "response", "important") == ("24h", "calendar")


def test_p3_important_solution_is_72_hours():
    assert target(P3, "solution", "important") == ("72h", "calendar")


def test_p3_general_response_is_3_working_days():
    assert target(P3, "response_working", "general") == ("3d", "working")


def test_p3_general_solution_is_5_working_days():
    assert target(P3, "solution_working", "general") == ("5d", "working")


def test_p3_each_level_has_exactly_one_response_clock():
    p = load_preset(P3)
    for level in ("general", "important", "urgent"):
        responses = [c.code for c, _ in p.clocks_for(level) if c.stop == ["contact_made"]]
        assert len(responses) == 1, (level, responses)


def test_p3_categories_are_product_service_and_suggestion():
    assert [c.name for c in load_preset(P3).categories][:3] == ["产品问题", "服务问题", "投诉建议"]


# ---- P4 public-commitment policy (seed 001) ----------------------------------------------------------

P4 = "p4_public_commitment"


def test_p4_customer_contacted_within_24_hours():
    assert target(P4, "confirmation", "ordinary") == ("24h", "calendar")
    assert target(P4, "confirmation", "complex") == ("24h", "calendar")


def test_p4_ordinary_answered_within_3_working_days():
    assert target(P4, "answer", "ordinary") == ("3d", "working")


def test_p4_complex_answered_within_7_working_days():
    assert target(P4, "answer", "complex") == ("7d", "working")


def test_p4_revisit_within_a_week_of_resolution():
    assert target(P4, "revisit", "ordinary") == ("7d", "calendar")
    assert load_preset(P4).follow_up.return_visit_within == Duration(days=7)


def test_p4_customer_may_object_and_ask_for_review():
    assert load_preset(P4).follow_up.objection_reviewer == "gm"


def test_p4_valid_feedback_can_be_rewarded_with_points_and_vouchers():
    assert {"points", "voucher"} <= set(load_preset(P4).approvals.compensation_kinds)


# ---- P5 property-management policy (seed 002 篇4, seed 000) -------------------------------------------

P5 = "p5_property_management"


def test_p5_return_visit_within_2_working_days():
    assert target(P5, "return_visit", "general") == ("2d", "working")
    f = load_preset(P5).follow_up
    assert (f.return_visit_within, f.time) == (Duration(days=2), "working")


def test_p5_first_receiver_owns_the_case_to_the_end():
    p = load_preset(P5)
    assert [r.department for r in p.routing] == ["@receiver"]  # 首问负责
    assert next(c for c in p.clocks if c.code == "return_visit").responsible == "receiver"


def test_p5_every_complaint_gets_a_callback():
    assert load_preset(P5).follow_up.callback_required


def test_p5_after_hours_intake_is_counted_in_working_time_from_the_next_morning():
    assert target(P5, "handover", "general")[1] == "working"


def test_p5_categories_are_the_estates_services():
    codes = {c.code for c in load_preset(P5).categories}
    assert {"facilities", "cleaning", "greening", "repair", "security"} <= codes


def test_p5_unit_number_is_required():
    unit = next(f for f in load_preset(P5).record_fields if f.code == "unit_number")
    assert unit.required and unit.name == "房号"
