"""Issue 18, business units: a role the policy names (店长 …) carries the powers, and is shown by the
name, that the complaint's unit's policy version gives it — not the installation's policy in force.
Two stores under two versions both name a 店长 (store_manager): the west store's acts as its CS
manager, the east store's only as a handler; the group's policy names no 店长 at all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation

from kesu.clocks.people import with_role
from kesu.complaints import lifecycle
from kesu.core.errors import TransitionRefused
from kesu.core.lifecycle import State
from kesu.core.policy.io import PRESETS_DIR
from kesu.core.registration import RegistrationInput
from kesu.core.roles import Role
from kesu.ops.demo import load_demo_units
from kesu.org.models import Department, Staff, StaffRole, Unit
from kesu.org.services import roles_of
from kesu.policies.services import active_version, import_and_publish, policy_of
from kesu.web.templatetags.kesu_labels import role_name

pytestmark = pytest.mark.django_db

WEST = """roles:
  - {code: store_manager, name: 店长, name_en: Store manager, acts_as: [cs_manager]}
clocks:
"""
EAST = """roles:
  - {code: store_manager, name: 值班店长, name_en: Duty store manager, acts_as: [handler]}
clocks:
"""


def p1_with(roles: str) -> str:
    return (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8").replace("clocks:\n", roles, 1)


@pytest.fixture
def stores(p1, people, now):
    """The demo group; the west store publishes a version naming its 店长 as its CS manager, the east
    store one naming its 值班店长 a handler; each store has a person holding only that role."""
    load_demo_units(people, now)
    units = {u.code: u for u in Unit.objects.all()}
    import_and_publish(text=p1_with(WEST), actor=None, now=now, unit=units["store_west"])
    import_and_publish(text=p1_with(EAST), actor=None, now=now, unit=units["store_east"])
    made = {}
    for login, name, store, dept in (("xiwang", "西店王店长", "store_west", "west_after_sales"),
                                     ("dongwang", "东店汪店长", "store_east", "east_after_sales")):
        person = Staff.objects.create_user(username=login, password="store-pass-1", display_name=name,
                                           unit=units[store])
        person.departments.set([Department.objects.get(code=dept)])
        StaffRole.objects.create(staff=person, role="store_manager")
        made[store] = person
    return made, units


def venting_case(person: Staff, unit: Unit, now):  # type: ignore[no-untyped-def]
    c = lifecycle.register_complaint(actor=person, now=now, unit_id=unit.pk, data=RegistrationInput(
        channel="walk_in", customer_words="就是想骂两句，你们店的咖啡太难喝。", customer_name="路人甲",
        customer_phone="13700003333", extra={"plate_number": "京C12345"}))
    return lifecycle.classify(c, actor=person, now=now, level="dissatisfied", category="other", validity="venting")


def test_a_store_managers_powers_are_those_their_stores_version_gives_the_role(stores, now):
    people, units = stores
    west = venting_case(people["store_west"], units["store_west"], now)
    east = venting_case(people["store_east"], units["store_east"], now)
    assert "store_manager" not in {r.code for r in policy_of(active_version()).roles}  # the group's names none
    # 店长 in the west acts as the CS manager: answering a case as not valid is theirs
    done = lifecycle.answer_invalid(west, actor=people["store_west"], now=now + timedelta(minutes=5),
                                    explanation="属于发泄，已安抚")
    assert done.status == State.INVALID_ANSWERED
    # the east's 值班店长 is a handler there: refused, by the rule's roles
    with pytest.raises(TransitionRefused):
        lifecycle.answer_invalid(east, actor=people["store_east"], now=now + timedelta(minutes=5),
                                 explanation="属于发泄")


def test_a_persons_pages_follow_their_own_units_version(stores):
    people, _units = stores
    assert Role.CS_MANAGER in roles_of(people["store_west"])
    assert Role.CS_MANAGER not in roles_of(people["store_east"])
    assert Role.HANDLER in roles_of(people["store_east"])


def test_a_notice_to_the_cs_manager_reaches_the_west_stores_manager_only_on_a_west_case(stores, now):
    people, units = stores
    west = venting_case(people["store_west"], units["store_west"], now)
    east = venting_case(people["store_east"], units["store_east"], now)
    assert "xiwang" in set(with_role(Role.CS_MANAGER, about=west).values_list("username", flat=True))
    assert "xiwang" not in set(with_role(Role.CS_MANAGER, about=east).values_list("username", flat=True))


def test_the_role_is_shown_by_the_name_its_units_version_gives_it_in_both_languages(stores):
    _people, units = stores
    west, east = (policy_of(active_version(units[s].pk)) for s in ("store_west", "store_east"))
    assert role_name("store_manager", west) == "店长" and role_name("store_manager", east) == "值班店长"
    with translation.override("en"):
        assert role_name("store_manager", west) == "Store manager"
        assert role_name("store_manager", east) == "Duty store manager"
    assert role_name("store_manager") in ("店长", "值班店长")  # not the raw code, though the group names none


def test_the_administration_offers_every_units_roles(stores):
    from kesu.org.admin import role_choices

    assert "store_manager" in {code for code, _label in role_choices()}
