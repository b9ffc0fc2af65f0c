"""Issue 18: a policy says things in its own words — its roles (总裁办, 合伙人, 专门负责人 …) with the powers
they carry, its channels (400 热线, QQ, 司法行政机关转来), its validity kinds (意见反馈, 抱怨类), demands
(减价) and compensation kinds (保价赔付); clocks by category, with their own penalty and a "not before"
time; record fields that belong to one category's form. All pure: no database."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from kesu.core import clocks as rules
from kesu.core.errors import ValidationFailed
from kesu.core.policy import load_policy, load_preset, policy_from_data
from kesu.core.policy.io import PRESETS_DIR
from kesu.core.registration import RegistrationInput, clean_registration

LAW_FIRM = Path(__file__).parent / "policies" / "law_firm.yaml"
NOW = datetime(2026, 3, 10, 1, 30, tzinfo=UTC)


def p1_data() -> dict[str, Any]:
    return yaml.safe_load((PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8"))


def refused(data: dict[str, Any]) -> list[tuple[str, str | None]]:
    with pytest.raises(ValidationFailed) as exc:
        policy_from_data(data)
    return [(e.code, e.field) for e in exc.value.errors]


# ---- the seeds' policies load in their own words ------------------------------------------------------

def test_the_law_firms_policy_loads_with_its_own_roles_and_its_regulators_referral_channel():
    p = load_policy(LAW_FIRM.read_text(encoding="utf-8"))
    assert {r.code: r.name for r in p.roles} == {
        "front_desk": "总台", "complaint_officer": "专门负责人", "supervising_partner": "业务分管合伙人",
        "partner": "合伙人", "director": "主任"}
    assert p.workflow.sign_off == "complaint_officer" and p.workflow.review == "supervising_partner"
    assert p.channel_catalogue()["regulator_referral"] == (
        "司法行政机关、律师协会转来", "Referred by the justice bureau or the bar association")
    assert p.role_label("supervising_partner", "en") == "Supervising partner"
    assert p.powers()["director"] == {"gm"}


def test_the_logistics_networks_policy_loads_with_the_presidents_office_and_its_own_channels():
    p = load_preset("p6_logistics_network")
    assert p.role_label("president_office") == "总裁办" and p.powers()["president_office"] == {"gm"}
    assert p.reporting.recipients == ["cs_supervisor", "president_office"]  # 统计数据及分析报表提供给总裁办
    names = p.channel_catalogue()
    assert [names[c][0] for c in p.channels] == [
        "全国统一服务热线（400）", "商桥网站在线留言", "客户端", "网络内部间投诉", "腾讯在线（QQ）", "电子邮件"]
    assert p.channel_kind("qq") == "chat" and p.channel_kind("network_internal") == "internal"
    assert p.compensation_catalogue()["insured_claim"] == ("保价赔付", "Insured-value payout")
    assert p.demand_catalogue()["price_reduction"][0] == "减价"


def test_a_policy_may_not_name_a_role_it_does_not_declare():
    data = p1_data()
    data["workflow"]["review"] = "chairman"
    assert ("unknown_role", "workflow.review") in refused(data)
    data["roles"] = [{"code": "chairman", "name": "董事长", "name_en": "Chairman", "acts_as": "gm"}]
    assert policy_from_data(data).workflow.review == "chairman"  # declared: 董事长 reviews


def test_a_policy_role_carries_only_built_in_powers_and_never_redefines_a_built_in_role():
    data = p1_data()
    data["roles"] = [{"code": "gm", "name": "总经理"}, {"code": "crisis_team", "name": "危机小组", "acts_as": ["boss"]}]
    assert {("builtin_code", "roles[1].code"), ("unknown_role", "roles[2].acts_as[1]")} <= set(refused(data))


@pytest.mark.parametrize(("section", "builtin"), [
    ("custom_channels", "phone"), ("custom_demands", "refund"), ("custom_compensation_kinds", "voucher")])
def test_the_policys_own_terms_are_new_codes_counting_as_a_built_in_one(section, builtin):
    data = p1_data()
    data[section] = [{"code": builtin, "name": "内置"}, {"code": "mine", "name": "自定义", "counts_as": "nonsense"}]
    assert {("builtin_code", f"{section}[1].code"), ("not_one_of", f"{section}[2].counts_as")} <= set(refused(data))


def test_a_channel_a_policy_uses_must_be_built_in_or_its_own():
    data = p1_data()
    data["channels"].append("hotline_12315")
    assert ("unknown_channel", "channels[6]") in refused(data)
    data["custom_channels"] = [{"code": "hotline_12315", "name": "12315 转办", "name_en": "Referred by 12315",
                                "counts_as": "internal"}]
    assert "hotline_12315" in policy_from_data(data).channels


def test_a_complaint_kind_of_its_own_counts_as_a_built_in_kind():
    """The manufacturer's 抱怨类投诉 are answered at once, not handled as valid complaints: as enquiries."""
    data = p1_data()
    data["validity"].append({"code": "grumble", "name": "抱怨类", "name_en": "Grumble", "counts_as": "enquiry"})
    p = policy_from_data(data)
    assert p.validity_kind("grumble") == "enquiry" and p.validity_kind("valid") == "valid"


# ---- clocks by category, per-clock penalty, "not before" -------------------------------------------

def adr_policy() -> Any:
    """P1 with the pharmaceutical distributor's rule (seed 000 篇一 4.3.3): 技术部 answers an adverse drug
    reaction within 1 working day, on its own 《药品不良反应登记表》."""
    return policy_from_data(adr_data())


def adr_data() -> dict[str, Any]:
    data = p1_data()
    data["categories"].append({"code": "adverse_reaction", "name": "药品不良反应", "name_en": "Adverse drug reaction",
                               "children": [{"code": "dizziness", "name": "头晕", "name_en": "Dizziness"}]})
    data["clocks"].append({"code": "adr_answer", "name": "不良反应答复", "name_en": "Adverse reaction answered",
                           "categories": ["adverse_reaction"], "start": "registered", "stop": "inform_customer",
                           "targets": {"*": "1d"}, "time": "working", "responsible": "dept_manager",
                           "penalty_amount": 100})
    data["clocks"][0]["category_targets"] = {"adverse_reaction": "15m", "dizziness": "5m"}
    data["record_fields"] += [
        {"code": "batch_no", "name": "批号", "name_en": "Batch number", "required": True,
         "categories": ["adverse_reaction"], "form": "药品不良反应登记表", "form_en": "Adverse drug reaction form"},
        {"code": "dose", "name": "服用数量", "name_en": "Dose taken", "required": True,
         "categories": ["adverse_reaction"], "form": "药品不良反应登记表", "form_en": "Adverse drug reaction form"},
    ]
    return data


def targets(p: Any, level: str, channel: str = "phone", category: str = "") -> dict[str, str]:
    return {k.code: str(t) for k, t in p.clocks_for(level, channel, category)}


def test_an_adverse_drug_reaction_is_answered_within_one_working_day_and_only_such_a_complaint_has_that_clock():
    p = adr_policy()
    assert targets(p, "dissatisfied", category="adverse_reaction")["adr_answer"] == "1d"
    assert targets(p, "dissatisfied", category="dizziness")["adr_answer"] == "1d"  # a kind of adverse reaction
    assert "adr_answer" not in targets(p, "dissatisfied", category="repair_quality")
    assert next(k for k in p.clocks if k.code == "adr_answer").penalty_amount == 100


def test_a_category_target_replaces_the_levels_the_nearest_category_wins_and_on_site_replaces_it_again():
    p = adr_policy()
    assert targets(p, "dissatisfied", category="repair_quality")["first_response"] == "30m"  # the level's
    assert targets(p, "dissatisfied", category="adverse_reaction")["first_response"] == "15m"
    assert targets(p, "dissatisfied", category="dizziness")["first_response"] == "5m"
    assert targets(p, "dissatisfied", "walk_in", category="adverse_reaction")["first_response"] == "10m"


def test_a_clock_names_only_categories_the_policy_has_and_its_earliest_time_comes_before_its_target():
    data = p1_data()
    call = next(k for k in data["clocks"] if k["code"] == "progress_call")
    call["not_before"] = "1h"
    data["clocks"][0]["categories"] = ["no_such"]
    assert {("clock_not_before_target", f"clocks[{data['clocks'].index(call) + 1}].not_before"),
            ("unknown_category", "clocks[1].categories[1]")} <= set(refused(data))


def test_a_progress_call_before_its_40_minutes_is_flagged_and_leaves_the_clock_running():
    p = load_preset("p1_four_level")
    [start] = [s for s in rules.on_event(p, event="registered", at=NOW, level="major", channel="phone",
                                         running={}, calendar=rules.CalendarTime()).starts
               if s.clock.code == "progress_call"]
    running = {"progress_call": rules.RunningClock("progress_call", NOW, start.deadline.due)}
    early = rules.on_event(p, event="progress_call", at=NOW + timedelta(minutes=30), level="major", channel="phone",
                           running=running, calendar=rules.CalendarTime())
    assert early.early == (rules.Early("progress_call", NOW + timedelta(minutes=40)),) and not early.stops
    on_time = rules.on_event(p, event="progress_call", at=NOW + timedelta(minutes=45), level="major", channel="phone",
                             running=running, calendar=rules.CalendarTime())
    assert [(s.code, s.met) for s in on_time.stops] == [("progress_call", True)] and not on_time.early


# ---- record fields per category ---------------------------------------------------------------------

def adr_complaint(**changes: Any) -> RegistrationInput:
    base = RegistrationInput(channel="phone", customer_words="服药后头晕", customer_phone="13800138000",
                             category="adverse_reaction", extra={"batch_no": "B2026031"})
    return RegistrationInput(**{**base.__dict__, **changes})


def test_an_adverse_reaction_complaint_must_fill_its_form_and_the_error_names_the_field_by_label():
    with pytest.raises(ValidationFailed) as exc:
        clean_registration(adr_policy(), adr_complaint(), now=NOW)
    [error] = exc.value.errors
    assert (error.code, error.field, error.label) == ("required", "extra.dose", ("服用数量", "Dose taken"))
    done = clean_registration(adr_policy(), adr_complaint(extra={"batch_no": "B2026031", "dose": "2"}), now=NOW)
    assert done.extra == {"batch_no": "B2026031", "dose": "2"}


def test_another_categorys_complaint_neither_needs_nor_takes_the_adverse_reaction_form():
    p = adr_policy()
    plain = adr_complaint(category="repair_quality", extra={})
    assert clean_registration(p, plain, now=NOW).extra == {}
    with pytest.raises(ValidationFailed) as exc:
        clean_registration(p, adr_complaint(category="repair_quality", extra={"dose": "2"}), now=NOW)
    [error] = exc.value.errors
    assert (error.code, error.field) == ("field_not_for_category", "extra.dose")
    assert error.params["form"] == "药品不良反应登记表"


def test_the_policys_own_demands_and_channels_are_accepted_at_registration():
    p = load_preset("p6_logistics_network")
    done = clean_registration(p, RegistrationInput(channel="qq", customer_words="运费多收了", customer_name="刘先生",
                                                   demands=("price_reduction",), category="price",
                                                   extra={"waybill_no": "YD123456"}), now=NOW)
    assert (done.channel, done.demands) == ("qq", ("price_reduction",))
    other = copy.deepcopy(p1_data())
    with pytest.raises(ValidationFailed):  # P1 has no 减价 of its own
        clean_registration(policy_from_data(other), RegistrationInput(
            channel="phone", customer_words="x", customer_name="y", demands=("price_reduction",)), now=NOW)
