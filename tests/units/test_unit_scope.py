"""Issue 18, business units: one rule says which units' cases a person reaches (kesu.org.units.covers
— the group and people of no unit every case, a store's people their store's and the units below
it); the kernel's approvals by role and the visibility filter both keep it. A policy role's powers
are read once for a page of cases, and a unit's night is handed over to the people its cases reach."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kesu.complaints import lifecycle
from kesu.core.policy.io import PRESETS_DIR
from kesu.core.registration import RegistrationInput
from kesu.core.roles import Role
from kesu.ops.demo import load_demo_units
from kesu.org import units
from kesu.org.models import Department, Staff, StaffRole, Unit
from kesu.org.services import UnitCases, role_holders
from kesu.policies.services import import_and_publish

pytestmark = pytest.mark.django_db

WEST = """roles:
  - {code: store_manager, name: 店长, name_en: Store manager, acts_as: [cs_manager]}
clocks:
"""


@pytest.fixture
def group(p1, people, now):
    load_demo_units(people, now)
    return {u.code: u.pk for u in Unit.objects.all()}


def test_the_group_and_people_of_no_unit_reach_every_case_a_store_only_its_own(group):
    east, west, top = group["store_east"], group["store_west"], group["huaan_group"]
    assert units.covers(None, east) and units.covers(None, None)
    assert units.covers(top, east) and units.covers(top, west) and units.covers(top, None)
    assert units.covers(east, east)
    assert not units.covers(east, west)
    assert not units.covers(east, top) and not units.covers(east, None)  # the group's and the installation's own


def test_a_stores_night_is_handed_to_the_cs_agents_its_cases_reach(group, people):
    east_agents = set(role_holders(Role.CS_AGENT, about=UnitCases(group["store_east"])).values_list(
        "username", flat=True))
    assert "dongkf" in east_agents and "wangkf" in east_agents  # the store's own and the group's
    west_agents = set(role_holders(Role.CS_AGENT, about=UnitCases(group["store_west"])).values_list(
        "username", flat=True))
    assert "dongkf" not in west_agents
    assert "dongkf" not in set(role_holders(Role.CS_AGENT, about=UnitCases(None)).values_list("username", flat=True))


def test_a_policy_roles_facts_towards_a_page_of_cases_are_read_once_not_once_per_case(group, people, now):
    """店长 (a role of the west store's own policy) opens a list: their standing is read once, and each
    case's policy version (parsed once per process) gives the role its powers — no query per case."""
    west = Unit.objects.get(pk=group["store_west"])
    text = (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8").replace("clocks:\n", WEST, 1)
    import_and_publish(text=text, actor=None, now=now, unit=west)
    person = Staff.objects.create_user(username="xiwang", password="store-pass-1", display_name="西店王店长",
                                       unit=west)
    person.departments.set([Department.objects.get(code="west_after_sales")])
    StaffRole.objects.create(staff=person, role="store_manager")
    made = [lifecycle.register_complaint(actor=person, now=now, unit_id=west.pk, data=RegistrationInput(
        channel="walk_in", customer_words=f"第{i}次来店，空调还是不制冷。", customer_name="路人甲",
        customer_phone="13700003333", extra={"plate_number": "京C12345"})) for i in range(6)]
    from kesu.complaints.models import Complaint

    cases = list(Complaint.objects.filter(pk__in=[c.pk for c in made]).select_related("policy_version"))
    standing = lifecycle.standing_of(person, now)
    lifecycle.actor_facts(person, cases[0], now, standing=standing)  # the version parsed once
    with CaptureQueriesContext(connection) as asked:
        facts = [lifecycle.actor_facts(person, c, now, standing=standing) for c in cases]
    assert len(asked.captured_queries) == 0
    assert all(Role.CS_MANAGER in f.roles for f in facts)  # the west store's 店长 acts as its CS manager
