"""Every path that writes what the audit chain covers still works with it and leaves the chain
intact (verify passes afterwards), each with its own entry: a reopening, a penalty waiver, the
overdue sweep, a policy publication, calendar edits, role and deputy changes, the exports, and a
reveal of a full value (kesu.access)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kesu.access import services as access
from kesu.audit.models import AuditEntry
from kesu.audit.verify import verify
from kesu.clocks import calendar, ledger
from kesu.clocks.models import PenaltyEntry
from kesu.complaints import lifecycle
from kesu.core.lifecycle import State
from kesu.org import services as org
from kesu.org.models import Department, StaffRole
from tests.factories import bring_to, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _anchors(tmp_path, settings):
    settings.KESU_AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")


def kinds() -> set[str]:
    return set(AuditEntry.objects.values_list("kind", flat=True))


def test_a_reopened_archived_case_verifies(p1, people, now):
    c = bring_to(State.ARCHIVED, people, now)
    c = lifecycle.reopen(c, actor=people["zhoujl"], now=now + timedelta(days=1), reason="客户再次来电")
    assert c.status == State.REOPENED
    assert verify().ok, verify().problems


def test_a_waived_penalty_and_the_ledger_export_verify(p1, people, now, client):
    c = register(people, now)
    entry = PenaltyEntry.objects.create(complaint=c, kind=PenaltyEntry.Kind.CLOCK_BREACH, staff=people["lijl"],
                                        amount=50, booked_at=now, reason="超时")
    ledger.waive(entry, actor=people["zhangzong"], now=now + timedelta(minutes=1), reason="系统误判")
    client.force_login(people["zhangzong"])
    assert client.get("/penalties/?format=xlsx").status_code == 200
    assert client.get("/discipline/?format=xlsx&month=2026-03").status_code == 200
    assert client.get("/reports/?format=xlsx").status_code == 200
    assert {"penalty.waived", "export.penalties_xlsx", "export.discipline_xlsx", "export.report_xlsx"} <= kinds()
    assert verify().ok, verify().problems


def test_calendar_edits_are_entries(p1, people, now):
    calendar.save_year(year=2027, holidays=["2027-01-01"], workdays=[], actor=people["admin"], now=now)
    calendar.save_business_hours(department=Department.objects.get(code="after_sales"),
                                 weekly={"mon": ["09:00-17:00"]}, open_on_holidays=False, now=now,
                                 actor=people["admin"])
    assert {"calendar.year_saved", "calendar.hours_saved"} <= kinds()
    assert verify().ok, verify().problems


def test_deputy_and_role_changes_are_entries(p1, people, now, client):
    dept = Department.objects.get(code="after_sales")
    org.designate_deputy(department=dept, deputy=people["wangkf"], actor=dept.manager, now=now)
    org.revoke_deputy(department=dept, actor=dept.manager, now=now + timedelta(hours=1))
    assert {"org.deputy_designated", "org.deputy_revoked"} <= kinds()
    staff = people["wangkf"]
    client.force_login(people["admin"])
    form = client.get(f"/admin/org/staff/{staff.pk}/change/").context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | tuple)}
    data.update({"username": staff.username, "date_joined_0": "2026-03-10", "date_joined_1": "09:30:00",
                 "departments": [d.pk for d in staff.departments.all()], "is_active": "on",
                 "role_rows-TOTAL_FORMS": "2", "role_rows-INITIAL_FORMS": "1", "role_rows-MIN_NUM_FORMS": "0",
                 "role_rows-MAX_NUM_FORMS": "1000"})
    existing = StaffRole.objects.filter(staff=staff).first()
    assert existing is not None
    data.update({"role_rows-0-id": existing.pk, "role_rows-0-staff": staff.pk, "role_rows-0-role": existing.role,
                 "role_rows-1-staff": staff.pk, "role_rows-1-role": "auditor"})
    data.pop("last_login", None)
    data.pop("password", None)
    response = client.post(f"/admin/org/staff/{staff.pk}/change/", data)
    if response.status_code != 302:  # the admin's form names the field it refused
        formset = response.context["inline_admin_formsets"][0].formset
        pytest.fail(f"{response.status_code} {response.context['adminform'].form.errors} {formset.prefix} "
                    f"{formset.non_form_errors()} {[f.errors for f in formset.forms]} {response.context.get('errors')}")
    assert "org.roles_changed" in kinds()
    assert verify().ok, verify().problems


def test_a_reveal_of_a_full_value_is_an_entry(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    assert access.reveal(c, "customer_phone", staff=people["zhoujl"], reason="callback", note="",
                         now=now) == "13812345678"
    entry = AuditEntry.objects.get(kind="personal.reveal")
    assert "13812345678" not in entry.data and entry.actor_id == people["zhoujl"].pk
    assert verify().ok, verify().problems


def test_a_newly_published_policy_is_an_entry(p1, publish, now):
    version = publish("p2_mall_three_tier", now + timedelta(days=1))
    assert AuditEntry.objects.filter(kind="policy.published", target_id=str(version.pk)).exists()
    assert verify().ok, verify().problems
