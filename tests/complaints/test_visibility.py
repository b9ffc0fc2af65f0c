"""Who sees which complaints (SPEC roles, F12), role by role, through the one selector every
list and detail path uses."""

from __future__ import annotations

import pytest

from kesu.complaints.models import Complaint
from kesu.complaints.selectors import get_visible, visible_complaints
from kesu.core.errors import KesuError
from kesu.core.lifecycle import State
from kesu.org.models import Department
from kesu.org.services import designate_deputy, revoke_deputy
from tests.factories import bring_to, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(p1, people, now):
    """One after-sales case assigned to 李经理, one sales case, one registered by 钱员工 not yet routed."""
    after_sales = bring_to(State.ASSIGNED, people, now, complained="after_sales")
    sales = bring_to(State.ASSIGNED, people, now, complained="sales")
    unrouted = register(people, now, by="qianyg", complained="parts")
    return {"after_sales": after_sales, "sales": sales, "unrouted": unrouted}


def seen(staff, now) -> set[int]:
    return set(visible_complaints(staff, now).values_list("id", flat=True))


# Archive, HR, legal and finance see only what their work needs: tests/access/test_case_visibility.py
@pytest.mark.parametrize("login", ["wangkf", "chenhf", "zhoujl", "zhangzong", "zhengjh"])
def test_customer_service_gm_and_audit_see_every_complaint(cases, people, now, login):
    assert seen(people[login], now) == set(Complaint.objects.values_list("id", flat=True))


def test_a_department_manager_sees_only_their_departments_complaints(cases, people, now):
    assert seen(people["lijl"], now) == {cases["after_sales"].pk}


def test_a_front_line_employee_sees_what_they_registered_and_their_departments(cases, people, now):
    # 钱员工 works in sales and registered the parts complaint
    assert seen(people["qianyg"], now) == {cases["sales"].pk, cases["unrouted"].pk}


def test_a_handler_sees_complaints_assigned_to_them(cases, people, now):
    from kesu.complaints import lifecycle

    parts = Department.objects.get(code="parts")
    c = lifecycle.classify(cases["unrouted"], actor=people["wangkf"], now=now, level="dissatisfied",
                           category="parts", validity="valid")
    lifecycle.assign(c, actor=people["wangkf"], now=now, department=parts, owner=people["sunsf"])
    assert cases["unrouted"].pk in seen(people["sunsf"], now)
    assert cases["after_sales"].pk not in seen(people["wucw"], now)  # finance: not their department


def test_a_designated_deputy_sees_the_department_only_while_designated(cases, people, now):
    member = people["liudl"]  # the demo deputy is also an after-sales member; take an outsider instead
    outsider = people["sunsf"]
    after_sales = Department.objects.get(code="after_sales")
    designate_deputy(department=after_sales, deputy=outsider, actor=people["lijl"], now=now)
    assert cases["after_sales"].pk in seen(outsider, now)
    revoke_deputy(department=after_sales, actor=people["lijl"], now=now)
    assert cases["after_sales"].pk not in seen(outsider, now)
    assert cases["after_sales"].pk in seen(member, now)  # by membership


def test_legal_and_sysadmin_are_not_given_every_complaint(cases, people, now):
    assert seen(people["weifw"], now) == set()
    assert seen(people["admin"], now) == set()


def test_asking_for_an_invisible_complaint_by_number_is_refused(cases, people, now):
    with pytest.raises(KesuError) as refused:
        get_visible(people["zhaojl"], now, number=cases["after_sales"].number)
    assert refused.value.code == "not_visible"
    assert get_visible(people["lijl"], now, number=cases["after_sales"].number) == cases["after_sales"]


def test_a_visible_list_is_one_query_after_the_roles_are_known(cases, people, now, django_assert_num_queries):
    staff = people["lijl"]
    with django_assert_num_queries(2):  # the staff member's roles, then the filtered list
        list(visible_complaints(staff, now)[:50])
