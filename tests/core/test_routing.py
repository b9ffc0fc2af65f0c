"""Routing rules (SPEC F5) as the presets state them."""

from __future__ import annotations

from kesu.core.policy import load_preset
from kesu.core.routing import RoutingFacts, route

P1, P2 = load_preset("p1_four_level"), load_preset("p2_mall_three_tier")


def test_p1_sends_the_work_order_to_the_complained_about_departments_manager():
    r = route(P1, RoutingFacts(level="major", category="repair_quality", complained="after_sales"))
    assert (r.department, r.unit) == ("after_sales", "被投诉部门")


def test_p2_basic_and_tier1_cases_go_to_the_store_where_they_happened():
    for level in ("basic", "tier1"):
        r = route(P2, RoutingFacts(level=level, category="exchange", location="store_xidan", complained="logistics"))
        assert (r.department, r.unit) == ("store_xidan", "一级处理单位")


def test_p2_tier2_cases_go_to_the_back_office_complaint_centre():
    r = route(P2, RoutingFacts(level="tier2", category="legal", location="store_xidan", complained="legal_affairs"))
    assert (r.department, r.unit, r.rule) == ("customer_service", "二级处理单位", 1)


def test_a_category_rule_matches_the_categorys_children():
    from kesu.core.policy.io import policy_from_data, policy_to_data

    data = policy_to_data(P2)
    data["routing"].insert(0, {"when": {"categories": ["shopping_rights"]}, "department": "returns_desk"})
    policy = policy_from_data(data)
    assert route(policy, RoutingFacts(level="basic", category="exchange", location="store_xidan")).department == \
        "returns_desk"
    assert route(policy, RoutingFacts(level="basic", category="service", location="store_xidan")).department == \
        "store_xidan"


def test_when_the_place_is_unknown_nothing_is_guessed():
    assert route(P2, RoutingFacts(level="basic", category="service")) is None
