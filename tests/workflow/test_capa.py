"""Corrective and preventive actions (issue 18), each test a rule of seed 000: the 4S policy's 总经理
批准预防纠正措施并指派人员进行监督，检查预防纠正措施的落实; the manufacturer's 投诉改善方案的提出、执行效果
跟踪和确认 — an owner, a due date on the working calendar, verification of the effect by someone else,
reminders, the overdue escalation and the report per department; the same steps from the pages and
the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kesu.clocks.calendar import calendar_for
from kesu.complaints import lifecycle
from kesu.complaints.models import Complaint
from kesu.core.errors import KesuError, TransitionRefused, ValidationFailed
from kesu.core.lifecycle import State
from kesu.core.policy import Duration
from kesu.core.policy.io import PRESETS_DIR
from kesu.notifications.models import Notification
from kesu.policies.services import import_and_publish
from kesu.workflow import capa
from kesu.workflow.models import CorrectiveAction
from kesu.workflow.sweep import sweep_overdue
from tests.factories import bring_to

pytestmark = pytest.mark.django_db


def publish_p1_with(now, **section):  # type: ignore[no-untyped-def]
    doc = yaml.safe_load((PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8"))
    doc["capa"] = section
    return import_and_publish(text=yaml.safe_dump(doc, allow_unicode=True), actor=None, now=now)


def fresh(c: Complaint) -> Complaint:
    return Complaint.objects.get(pk=c.pk)


def action(people, now, **kw):  # type: ignore[no-untyped-def]
    """The GM approves a preventive measure and names who supervises it (4S 第三条 总经理)."""
    c = bring_to(State.HANDLING, people, now)
    return capa.open_action(c, actor=people["zhangzong"], now=now, kind="preventive",
                            measure="维修后增加路试复检环节，并培训机电班组", owner=people["sunsf"],
                            verifier=kw.pop("verifier", people["zhoujl"]), **kw)


def test_a_corrective_action_has_an_owner_and_is_due_ten_working_days_later(p1, people, now):
    a = action(people, now)
    assert (a.owner, a.verifier, a.department.code) == (people["sunsf"], people["zhoujl"], "repair_team")
    assert a.due_at == calendar_for(a.department.pk).add(now, Duration.parse("10d"), "working").due
    assert a.due_at >= now + timedelta(days=14)  # two weekends in between
    event = fresh(a.complaint).events.order_by("-seq").first()
    assert event.kind == "capa_opened" and event.changes["owner_id"] == [None, people["sunsf"].pk]
    assert Notification.objects.filter(recipient=people["sunsf"], kind="capa_assigned").exists()
    assert Notification.objects.filter(recipient=people["zhoujl"], kind="capa_supervise").exists()


def test_the_owner_cannot_supervise_their_own_action(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    with pytest.raises(ValidationFailed) as refused:
        capa.open_action(c, actor=people["zhangzong"], now=now, kind="corrective", measure="返修",
                         owner=people["sunsf"], verifier=people["sunsf"])
    assert [e.field for e in refused.value.errors] == ["verifier"]
    assert not CorrectiveAction.objects.exists()


def test_only_the_owner_records_it_carried_out_and_only_the_supervisor_verifies_its_effect(p1, people, now):
    a = action(people, now)
    with pytest.raises(TransitionRefused, match="孙师傅"):
        capa.record_done(a, actor=people["lijl"], now=now, note="已落实")
    with pytest.raises(KesuError, match="尚未落实"):
        capa.verify(a, actor=people["zhoujl"], now=now, effective=True)
    capa.record_done(a, actor=people["sunsf"], now=now + timedelta(days=3), note="已增加路试复检，培训 6 人")
    assert Notification.objects.filter(recipient=people["zhoujl"], kind="capa_to_verify").exists()
    with pytest.raises(TransitionRefused):  # the owner does not verify their own measure
        capa.verify(a, actor=people["sunsf"], now=now, effective=True)
    with pytest.raises(TransitionRefused, match="周经理"):  # the GM named someone else to supervise
        capa.verify(a, actor=people["lijl"], now=now, effective=True)
    verified = capa.verify(a, actor=people["zhoujl"], now=now + timedelta(days=10), effective=True,
                           note="抽查五台返修车辆，均已路试")
    assert verified.effective is True and verified.verified_by == people["zhoujl"]


def test_without_a_named_supervisor_the_policys_verifier_roles_confirm_the_effect(p1, people, now):
    a = action(people, now, verifier=None)
    capa.record_done(a, actor=people["sunsf"], now=now, note="已落实")
    with pytest.raises(TransitionRefused, match="客服部经理"):
        capa.verify(a, actor=people["lijl"], now=now, effective=True)
    assert capa.verify(a, actor=people["zhangzong"], now=now, effective=True).effective is True


def test_an_action_found_not_effective_is_open_again_and_due_anew(p1, people, now):
    a = action(people, now)
    capa.record_done(a, actor=people["sunsf"], now=now + timedelta(days=2), note="已培训")
    with pytest.raises(TransitionRefused, match="原因"):  # not effective says why
        capa.verify(a, actor=people["zhoujl"], now=now + timedelta(days=5), effective=False)
    later = now + timedelta(days=5)
    again = capa.verify(a, actor=people["zhoujl"], now=later, effective=False, note="本周仍有两台未路试")
    assert (again.done_at, again.effective, again.rounds) == (None, None, 2)
    assert again.due_at == calendar_for(again.department.pk).add(later, Duration.parse("10d"), "working").due
    assert Notification.objects.filter(recipient=people["sunsf"], kind="capa_assigned").count() == 2
    assert fresh(a.complaint).events.order_by("-seq").first().changes["effective"] == [None, False]


def test_the_owner_is_reminded_a_day_before_and_an_overdue_action_is_escalated_once(p1, people, now):
    a = action(people, now)
    sweep_overdue(now=a.due_at - timedelta(days=2))
    assert not Notification.objects.filter(kind="capa_due_soon").exists()
    sweep_overdue(now=a.due_at - timedelta(hours=12))
    assert Notification.objects.filter(recipient=people["sunsf"], kind="capa_due_soon").count() == 1
    sweep_overdue(now=a.due_at + timedelta(minutes=1))
    sweep_overdue(now=a.due_at + timedelta(hours=2))
    c = fresh(a.complaint)
    assert c.events.filter(kind="capa_overdue").count() == 1
    told = set(Notification.objects.filter(kind="capa_overdue").values_list("recipient__username", flat=True))
    assert {"sunsf", "zhoujl", "zhangzong"} <= told  # owner, supervisor, the policy's escalate_to (gm)


def test_a_closed_case_still_follows_its_measures_to_the_end(p1, people, now):
    c = bring_to(State.SIGNED_OFF, people, now)
    a = capa.open_action(c, actor=people["zhangzong"], now=now, kind="preventive", measure="完善交车检查表",
                         owner=people["zhaojl"], verifier=people["zhoujl"])
    capa.record_done(a, actor=people["zhaojl"], now=now + timedelta(days=1), note="检查表已更新")
    assert capa.verify(a, actor=people["zhoujl"], now=now + timedelta(days=2), effective=True).effective
    assert fresh(c).status == State.SIGNED_OFF


def test_a_case_of_a_level_the_policy_names_is_signed_off_only_once_its_measures_are_verified(people, now):
    publish_p1_with(now, required_levels=["very_dissatisfied"])
    c = bring_to(State.SATISFIED, people, now)
    with pytest.raises(TransitionRefused, match="纠正预防措施"):
        lifecycle.sign_off(c, actor=people["zhoujl"], now=now)
    a = capa.open_action(fresh(c), actor=people["zhangzong"], now=now, kind="corrective", measure="返修复检",
                         owner=people["sunsf"])
    capa.record_done(a, actor=people["sunsf"], now=now, note="已复检")
    with pytest.raises(TransitionRefused, match="纠正预防措施"):
        lifecycle.sign_off(fresh(c), actor=people["zhoujl"], now=now)
    capa.verify(a, actor=people["zhangzong"], now=now, effective=True)
    assert lifecycle.sign_off(fresh(c), actor=people["zhoujl"], now=now).status == State.SIGNED_OFF


def test_a_stale_form_cannot_open_an_action(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    with pytest.raises(KesuError):
        capa.open_action(c, actor=people["zhangzong"], now=now, kind="corrective", measure="返修",
                         owner=people["sunsf"], expected_version=c.version - 1)
    assert not CorrectiveAction.objects.exists()


def test_the_report_counts_open_overdue_awaiting_and_verified_actions_per_department(p1, people, now):
    first = action(people, now)
    second = action(people, now)
    third = action(people, now)
    capa.record_done(second, actor=people["sunsf"], now=now, note="已落实")
    capa.record_done(third, actor=people["sunsf"], now=now, note="已落实")
    capa.verify(third, actor=people["zhoujl"], now=now, effective=True)
    rows = {r.department: r for r in capa.capa_report(first.due_at + timedelta(hours=1))}
    team = rows["机电维修班组"]
    assert (team.open, team.overdue, team.awaiting_verification, team.verified) == (1, 1, 1, 1)
    assert team.numbers == [first.complaint.number]


def test_the_steps_and_the_report_reach_the_pages_and_the_api(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    token, _ = Token.objects.get_or_create(user=people["zhangzong"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    answer = api.post(f"/api/v1/complaints/{c.number}/actions/capa_opened/", {"expected_version": c.version, "fields": {
        "kind": "preventive", "measure": "增加路试复检", "owner": "sunsf", "verifier": "zhoujl"}}, format="json")
    assert answer.status_code == 200, answer.content
    a = CorrectiveAction.objects.get(complaint=c)
    page = Client()
    page.force_login(people["sunsf"])
    c = fresh(c)
    response = page.post(f"/c/{c.number}/act/capa_done/", {"version": c.version, "capa": str(a.pk),
                                                             "note": "已落实"})
    assert response.status_code == 302 and CorrectiveAction.objects.get(pk=a.pk).done_at is not None
    report = api.get("/api/v1/capa/")
    assert report.status_code == 200
    assert report.json()["departments"][0]["awaiting_verification"] == 1
    page.force_login(people["zhoujl"])
    assert "机电维修班组" in page.get("/reports/capa/").content.decode()
    page.force_login(people["qianyg"])  # a front-line employee reads no reports
    assert page.get("/reports/capa/").status_code == 403


def test_where_the_policy_says_so_only_the_general_manager_approves_and_assigns_the_measures(people, now):
    publish_p1_with(now, opened_by="gm")  # 4S 第三条: 总经理 批准预防纠正措施并指派人员进行监督
    c = bring_to(State.HANDLING, people, now)
    with pytest.raises(TransitionRefused, match="总经理"):
        capa.open_action(c, actor=people["lijl"], now=now, kind="preventive", measure="增加路试复检",
                         owner=people["sunsf"])
    a = capa.open_action(c, actor=people["zhangzong"], now=now, kind="preventive", measure="增加路试复检",
                         owner=people["sunsf"], verifier=people["zhoujl"])
    assert a.opened_by == people["zhangzong"]
