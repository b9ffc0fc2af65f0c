"""The one place that decides what personal data a reader sees (kesu.core.personal), and the
policy section that says it: free-text masking, the defaults, the checks by field path."""

from __future__ import annotations

import pytest

from kesu.core.errors import ValidationFailed
from kesu.core.lifecycle import ActorFacts
from kesu.core.personal import access_of, mask_text, on_page, shown, words_for
from kesu.core.policy.io import PRESETS_DIR, load_policy
from kesu.core.policy.model import PersonalData
from kesu.core.roles import Role
from kesu.core.visibility import PERSONAL_DATA_ROLES

WORDS = ("我电话13812345678，家里座机010-62345678，身份证11010519900307123X，"
         "邮箱zhang.san@qq.com，也可以打+86 139 0000 1111；订单号2024010112345678901")
RULES = PersonalData()


def facts(*roles: str, owner: bool = False, manager: bool = False) -> ActorFacts:
    return ActorFacts(staff_id=1, roles=frozenset(roles), is_owner=owner, manages_department=manager)


def test_phones_id_numbers_and_emails_typed_into_the_words_are_masked():
    masked = mask_text(WORDS)
    for secret in ("13812345678", "62345678", "11010519900307123X", "zhang.san@qq.com", "139 0000 1111",
                   "13900001111"):
        assert secret not in masked, secret
    assert "138****5678" in masked and "110***********123X" in masked and "z***@qq.com" in masked
    assert "2024010112345678901" in masked  # an order number is not a phone: left as typed


def test_a_reader_who_sees_no_phones_meets_a_placeholder_not_a_masked_number():
    assert "138" not in mask_text("电话13812345678", phone="none")


@pytest.mark.parametrize("role", sorted(PERSONAL_DATA_ROLES))
def test_the_defaults_are_todays_rule_full_for_customer_service_and_the_gm(role):
    assert access_of("phone", facts(role), RULES) == "full"


@pytest.mark.parametrize("role", sorted(set(Role) - PERSONAL_DATA_ROLES))
def test_every_other_role_sees_the_phone_masked_unless_it_handles_or_manages_the_case(role):
    assert access_of("phone", facts(role), RULES) == "masked"
    assert access_of("phone", facts(role, owner=True), RULES) == "full"
    assert access_of("phone", facts(role, manager=True), RULES) == "full"
    assert "13812345678" not in words_for(WORDS, facts(role), RULES)


def test_a_reader_allowed_the_full_phone_still_sees_it_masked_on_a_page_until_revealed():
    agent = facts(Role.CS_AGENT)
    assert on_page("phone", agent, RULES) == "masked"
    assert "13812345678" not in words_for(WORDS, agent, RULES)
    assert "13812345678" in words_for(WORDS, agent, RULES, page=False)


def test_a_role_in_no_list_sees_nothing_of_that_kind():
    rules = PersonalData.model_validate({"phone": {"full": ["gm"], "masked": []}})
    assert access_of("phone", facts(Role.FINANCE), rules) == "none"
    assert shown("phone", "13812345678", "none") == "〔无权查看〕"


def _with_section(section: str) -> str:
    return (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8") + "\n" + section


def test_the_policy_names_an_unknown_role_in_its_personal_data_section_by_path():
    with pytest.raises(ValidationFailed) as caught:
        load_policy(_with_section("personal_data:\n  phone:\n    full: [cs_agent, boss]\n"))
    assert "personal_data.phone.full[2]" in [e.field for e in caught.value.errors]


def test_the_policy_may_narrow_who_sees_the_full_phone():
    policy = load_policy(_with_section("personal_data:\n  phone:\n    full: [owner]\n    masked: [cs_agent]\n"))
    assert access_of("phone", facts(Role.CS_AGENT), policy.personal_data) == "masked"
    assert access_of("phone", facts(Role.GM), policy.personal_data) == "none"
