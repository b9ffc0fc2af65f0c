"""Retention (issue 14): 保存期满的投诉匿名化; a legal hold exempts; a dry run writes nothing; the
monthly report reads the same before and after."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from kesu.complaints import lifecycle
from kesu.complaints.lifecycle import add_note
from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.core.lifecycle import State
from kesu.privacy import retention
from kesu.privacy.holds import set_hold
from kesu.privacy.models import PrivacyRecord
from kesu.reports import figures
from tests.factories import bring_to

pytestmark = pytest.mark.django_db
WORDS = "我是马先生，电话13812345678，邮箱ma@qq.com，车牌京A12345，发动机故障灯又亮了"


def archived(people, now, **kw) -> Complaint:
    c = bring_to(State.REVIEWED, people, now, customer_words=WORDS, customer_email="ma@qq.com", **kw)
    c = add_note(c, actor=people["zhoujl"], now=now + timedelta(hours=2), note="已联系客户13812345678")
    return lifecycle.archive(c, actor=people["fengda"], now=now + timedelta(hours=3))


def test_保存期满的投诉匿名化(p1, people, now):
    c = archived(people, now)
    later = now + timedelta(days=3 * 366 + 1)  # P1 keeps 3 years
    outcome = retention.run(later)
    assert [d.number for d in outcome.due] == [c.number]
    c.refresh_from_db()
    assert c.customer_name == "" and c.customer_email == "" and c.customer_phone.startswith("匿名-")
    assert "13812345678" not in c.customer_words and "马先生" not in c.customer_words
    assert "发动机故障灯又亮了" in c.customer_words  # the complaint itself still reads
    assert c.extra.get("plate_number") == ""
    assert (c.level, c.category, c.status) == ("very_dissatisfied", "repair_quality", State.ARCHIVED)
    texts = " ".join(ComplaintEvent.objects.filter(complaint=c).values_list("reason", flat=True))
    assert "13812345678" not in texts
    assert "13812345678" not in str(list(ComplaintEvent.objects.filter(complaint=c).values_list("changes", flat=True)))
    assert ComplaintEvent.objects.filter(complaint=c, kind="retention_anonymised").count() == 1
    assert PrivacyRecord.objects.get(kind="retention_run").details["cases"] == [c.number]
    assert retention.run(later + timedelta(days=1)).due == []  # once


def test_not_yet_expired_cases_are_kept(p1, people, now):
    archived(people, now)
    assert retention.run(now + timedelta(days=2 * 365)).due == []


def test_a_legal_hold_exempts_the_case(p1, people, now):
    c = archived(people, now)
    set_hold(c, on=True, actor=people["weifw"], now=now + timedelta(days=1), reason="诉讼中")
    outcome = retention.run(now + timedelta(days=4 * 366))
    assert outcome.due == [] and outcome.held == 1
    assert Complaint.objects.get(pk=c.pk).customer_phone == "13812345678"
    assert ComplaintEvent.objects.filter(complaint=c, kind="legal_hold_set").exists()


def test_a_legal_hold_is_refused_to_a_cs_agent(p1, people, now):
    from kesu.core.errors import KesuError

    c = archived(people, now)
    with pytest.raises(KesuError):
        set_hold(c, on=True, actor=people["wangkf"], now=now, reason="x")
    assert not Complaint.objects.get(pk=c.pk).legal_hold


def test_a_dry_run_writes_nothing(p1, people, now):
    c = archived(people, now)
    before = (Complaint.objects.get(pk=c.pk).version, ComplaintEvent.objects.count(), PrivacyRecord.objects.count())
    outcome = retention.run(now + timedelta(days=4 * 366), dry_run=True)
    assert [d.number for d in outcome.due] == [c.number]
    assert (Complaint.objects.get(pk=c.pk).version, ComplaintEvent.objects.count(),
            PrivacyRecord.objects.count()) == before


def test_the_monthly_report_reads_the_same_after_retention(p1, people, now):
    archived(people, now)
    archived(people, now + timedelta(minutes=30))  # the same customer twice: a repeat customer
    month = figures.month(now.year, now.month)
    before = asdict(figures.build(month))
    assert before["repeated_customers"] == 1
    retention.run(now + timedelta(days=4 * 366))
    assert asdict(figures.build(month)) == before


def test_the_timeline_of_a_case_not_anonymised_cannot_be_edited_by_sql(p1, people, now):
    c = archived(people, now)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE complaints_complaintevent SET reason = 'x' WHERE complaint_id = %s", [c.pk])


def test_after_anonymising_an_event_still_cannot_be_moved_or_redated(p1, people, now):
    c = archived(people, now)
    retention.run(now + timedelta(days=4 * 366))
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE complaints_complaintevent SET kind = 'review' WHERE complaint_id = %s", [c.pk])
