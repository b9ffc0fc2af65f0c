"""Issue 18: absence (不在岗) is marked by a manager on a staff page, not only in the administration:
a department's manager marks the people of their department, HR / the GM / the CS manager anyone of
their unit; the approval stage the absent person would decide goes to its fallback; the person's
return ends it. A forged POST for someone else's person meets the same refusal as the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kesu.workflow.models import ApproverAbsence

pytestmark = pytest.mark.django_db


def signed_in(person) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(person)
    return client


def test_a_department_manager_marks_their_own_people_absent_and_ends_it(p1, people):
    lijl = signed_in(people["lijl"])
    page = lijl.get("/absences/")
    assert page.status_code == 200
    listed = page.content.decode()
    assert "刘代理" in listed and "张总" not in listed  # 售后服务部's people only
    until = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    lijl.post("/absences/mark/", {"staff": people["liudl"].pk, "ends_at": until, "reason": "外出培训"})
    away = ApproverAbsence.objects.get(staff=people["liudl"])
    assert (away.reason, away.marked_by) == ("外出培训", people["lijl"]) and away.ends_at is not None
    assert "外出培训" in lijl.get("/absences/").content.decode()
    lijl.post(f"/absences/{away.pk}/end/")
    away.refresh_from_db()
    assert away.ends_at <= timezone.now()


def test_a_forged_post_for_someone_elses_person_is_refused(p1, people):
    signed_in(people["lijl"]).post("/absences/mark/", {"staff": people["zhangzong"].pk, "reason": "出差"})
    assert not ApproverAbsence.objects.exists()
    assert signed_in(people["wangkf"]).get("/absences/").status_code == 403  # a CS agent marks nobody
    signed_in(people["wangkf"]).post("/absences/mark/", {"staff": people["wangkf"].pk})
    assert not ApproverAbsence.objects.exists()


def test_the_cs_manager_marks_the_general_manager_away_and_bad_input_is_refused_by_its_label(p1, people):
    zhoujl = signed_in(people["zhoujl"])
    refused = zhoujl.post("/absences/mark/", {"staff": people["zhangzong"].pk, "ends_at": "明天"}, follow=True)
    assert "截止" in refused.content.decode() and not ApproverAbsence.objects.exists()
    zhoujl.post("/absences/mark/", {"staff": people["zhangzong"].pk, "reason": "出差"})
    assert ApproverAbsence.objects.filter(staff=people["zhangzong"], ends_at__isnull=True).exists()


def test_the_page_is_in_the_menu_of_those_who_may_mark(p1, people):
    assert "/absences/" in signed_in(people["lijl"]).get("/queue/").content.decode()
    assert "/absences/" not in signed_in(people["wangkf"]).get("/queue/").content.decode()
