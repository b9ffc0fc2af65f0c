"""A policy's choice fields in both languages (issue 13 item 7): ``choices`` are the values stored
(the policy's own words), ``choices_en`` the same choices as English pages show them, one for one;
a policy whose English list does not match its choices is refused by the field's path."""

from __future__ import annotations

import copy

import pytest
import yaml
from django.utils import translation

from kesu.core.errors import ValidationFailed
from kesu.core.policy import dump_policy, load_preset, policy_from_data

P5 = load_preset("p5_property_management")


def resident(policy=P5):  # type: ignore[no-untyped-def]
    return next(f for f in policy.record_fields if f.code == "resident_type")


def test_an_english_page_shows_the_english_choice_and_a_chinese_page_the_stored_one():
    f = resident()
    assert f.choices == ["业主", "住户"] and f.choices_en == ["Owner", "Resident"]
    assert [f.choice_label(c, "en") for c in f.choices] == ["Owner", "Resident"]
    assert [f.choice_label(c, "zh-hans") for c in f.choices] == ["业主", "住户"]
    assert f.choice_label("租户", "en") == "租户"  # a value outside the list is shown as stored


def test_a_choice_field_without_english_shows_its_own_words_in_english():
    data = yaml.safe_load(dump_policy(P5))
    for f in data["record_fields"]:
        f.pop("choices_en", None)
    assert resident(policy_from_data(data)).choice_label("住户", "en") == "住户"


def test_english_choices_that_do_not_match_the_choices_are_refused_by_their_path():
    data = copy.deepcopy(yaml.safe_load(dump_policy(P5)))
    at = next(i for i, f in enumerate(data["record_fields"], 1) if f["code"] == "resident_type")
    data["record_fields"][at - 1]["choices_en"] = ["Owner"]
    with pytest.raises(ValidationFailed) as caught:
        policy_from_data(data)
    [error] = [e for e in caught.value.errors if e.code == "record_field_choices_en"]
    assert error.field == f"record_fields[{at}].choices_en"
    assert error.message("en").endswith("choices_en must match choices one for one: 2 choices, 1 in English")


def test_the_form_offers_english_labels_and_keeps_the_chinese_value():
    from kesu.web.forms import record_field

    with translation.override("en"):
        field = record_field(resident())
    assert ("住户", "Resident") in field.choices and ("业主", "Owner") in field.choices
    with translation.override("zh-hans"):
        assert ("住户", "住户") in record_field(resident()).choices
