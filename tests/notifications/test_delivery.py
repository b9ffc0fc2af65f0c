"""Notifications are written with the domain change and mailed after it commits (SPEC F14):
nothing for a rolled-back change, nothing lost when the mail server is down, nothing twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import transaction

from kesu.notifications.models import Notification, OutboundEmail
from kesu.notifications.services import deliver, mark_read, notify, unread_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def lijl(people):
    person = people["lijl"]
    person.email = "lijl@dealer.example"
    person.save(update_fields=["email"])
    return person


def test_a_rolled_back_change_notifies_nobody(lijl, now, smtp):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[lijl], kind="clock_warning", now=now, params={"number": "260310001"})
        raise RuntimeError("the domain change failed")
    assert not Notification.objects.exists() and not OutboundEmail.objects.exists()
    deliver(now=now)
    assert smtp.messages == []


def test_a_committed_notice_reaches_the_inbox_and_a_real_mail_server_in_chinese(lijl, now, smtp):
    with transaction.atomic():
        notify(recipients=[lijl], kind="clock_breached", now=now,
               params={"number": "260310001", "clock": "初次对应", "due": "2026-03-10 09:50", "late": "5 分钟"})
    assert unread_for(lijl).get().kind == "clock_breached"
    assert deliver(now=now) == {"sent": 1, "failed": 0, "retry": 0}
    mail = smtp.messages[0]
    assert mail["Subject"].strip() == "【客诉】投诉 260310001「初次对应」已超时"  # folded after "Subject:"
    assert "已超时 5 分钟" in mail.get_content()
    assert mail["To"] == "lijl@dealer.example"
    assert OutboundEmail.objects.get().state == "sent"


def test_when_the_mail_server_is_down_the_email_waits_and_goes_once_it_is_back(lijl, now, smtp):
    notify(recipients=[lijl], kind="clock_warning", now=now, params={"number": "260310001"})
    smtp.stop()
    assert deliver(now=now) == {"sent": 0, "failed": 0, "retry": 1}
    mail = OutboundEmail.objects.get()
    assert (mail.state, mail.attempts) == ("pending", 1)
    assert mail.next_attempt_at > now and mail.last_error

    smtp.start()
    assert deliver(now=now)["sent"] == 0  # not before its retry time
    assert deliver(now=now + timedelta(minutes=5))["sent"] == 1
    assert len(smtp.messages) == 1


@pytest.mark.django_db(transaction=True)  # the two senders are separate connections: data must be committed
def test_two_senders_at_once_never_send_one_email_twice(lijl, smtp):
    from django.utils import timezone

    now = timezone.now() + timedelta(days=1)  # not yet due for the delivery that each commit triggers
    for i in range(20):
        notify(recipients=[lijl], kind="clock_warning", now=now, params={"number": f"2603100{i:02d}"})
    results = []

    def sender():
        from django.db import connection

        try:
            results.append(deliver(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["sent"] for r in results) == 20
    assert len(smtp.messages) == 20
    assert len({m["Message-ID"] for m in smtp.messages}) == 20


def test_the_same_event_notified_twice_makes_one_notification(lijl, now):
    for _ in range(2):
        notify(recipients=[lijl], kind="clock_warning", now=now, params={}, dedupe_key="clock_warning:7")
    assert Notification.objects.count() == 1 and OutboundEmail.objects.count() == 1


def test_people_without_an_email_address_get_the_inbox_only(people, now):
    notify(recipients=[people["wangkf"]], kind="clock_warning", now=now, params={})
    assert Notification.objects.count() == 1 and not OutboundEmail.objects.exists()
    mark_read(people["wangkf"], Notification.objects.values_list("pk", flat=True), now)
    assert not unread_for(people["wangkf"]).exists()
