"""Report schedules and recipients per report (issue 18; seed 002 八、2: 客诉中心整理、统计、分析有关客诉
相关案件，并建议改善办法，于每月 5 日前呈报董事长): the scheduled delivery honours each report's day and
its own recipients, and a corrective-actions report goes out where the policy schedules one."""

from __future__ import annotations

import pytest
import yaml

from kesu.core.errors import ValidationFailed
from kesu.core.policy import load_preset
from kesu.core.policy.io import PRESETS_DIR, load_policy
from kesu.notifications.models import Notification
from kesu.policies.services import import_and_publish
from kesu.reports.tasks import deliver_reports
from tests.scenarios.conftest import at

pytestmark = pytest.mark.django_db


def p1_with_reporting(reporting: dict) -> str:  # type: ignore[type-arg]
    doc = yaml.safe_load((PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8"))
    doc["reporting"] = reporting
    return yaml.safe_dump(doc, allow_unicode=True)


def got(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_the_mall_sends_its_monthly_statistics_to_the_top_by_the_5th():
    schedule = load_preset("p2_mall_three_tier").reporting.schedule("monthly")
    assert schedule is not None and (schedule.day, schedule.by_day) == (1, 5) and "gm" in schedule.recipients


def test_the_monthly_report_goes_from_its_scheduled_day_to_its_own_recipients(people, now):
    import_and_publish(text=p1_with_reporting({"recipients": ["cs_manager", "gm"], "schedules": [
        {"report": "monthly", "day": 3, "by_day": 5, "recipients": ["person:zhangzong"]}]}), actor=None, now=now)
    deliver_reports(now=at("2026-04-02 09:00"))
    assert got("report_monthly") == set()  # not before the 3rd
    assert got("report_weekly") == {"zhoujl", "zhangzong"}  # the other reports keep the section's recipients
    deliver_reports(now=at("2026-04-03 09:00"))
    assert got("report_monthly") == {"zhangzong"}
    monthly = Notification.objects.get(kind="report_monthly")
    assert monthly.params["start"] == "2026-03-01" and monthly.params["end"] == "2026-03-31"
    deliver_reports(now=at("2026-04-05 09:00"))
    assert Notification.objects.filter(kind="report_monthly").count() == 1  # once


def test_a_scheduled_corrective_actions_report_reaches_its_recipients(people, now):
    import_and_publish(text=p1_with_reporting({"recipients": ["gm"], "schedules": [
        {"report": "capa", "day": 1, "recipients": ["cs_manager", "hr"]}]}), actor=None, now=now)
    deliver_reports(now=at("2026-04-01 09:00"))
    assert got("report_capa") == {"zhoujl", "churs"}
    assert Notification.objects.filter(kind="report_capa").first().params["open"] == 0


def test_a_bad_schedule_is_refused_by_its_field():
    with pytest.raises(ValidationFailed) as refused:
        load_policy(p1_with_reporting({"schedules": [
            {"report": "monthly", "day": 5, "by_day": 3, "recipients": ["chairman"]},
            {"report": "quarterly"}]}))
    fields = {e.field: e.code for e in refused.value.errors}
    assert fields == {"reporting.schedules[2].report": "not_one_of"}
    with pytest.raises(ValidationFailed) as refused:
        load_policy(p1_with_reporting({"schedules": [
            {"report": "monthly", "day": 5, "by_day": 3, "recipients": ["chairman"]}]}))
    fields = {e.field: e.code for e in refused.value.errors}
    assert fields == {"reporting.schedules[1].by_day": "too_small",
                      "reporting.schedules[1].recipients[1]": "unknown_role"}
