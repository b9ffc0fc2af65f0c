"""Two erasures over overlapping cases at once never deadlock (PostgreSQL): each locks every case
it erases, by id, before it writes anything — the first case's step appends to the audit chain and
holds the chain's lock to commit, so a case locked only after it could wait for a step that waits
for the chain. The second erasure finds the shared case already erased and goes on with the rest."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection

from kesu.audit.verify import verify
from kesu.complaints.models import Complaint
from kesu.core.lifecycle import State
from kesu.privacy import customer
from tests.factories import bring_to

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="the chain's lock: PostgreSQL")]


def test_two_erasures_of_overlapping_cases_at_once_both_finish(p1, people, now, monkeypatch, tmp_path, settings):
    settings.KESU_AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")
    # by phone: a and b; by e-mail: b and c — b is in both, and it is the first of the e-mail's cases
    a = bring_to(State.ARCHIVED, people, now, customer_phone="13812345678")
    b = bring_to(State.ARCHIVED, people, now, customer_phone="13812345678", customer_email="li@example.com")
    c = bring_to(State.ARCHIVED, people, now, customer_phone="13900000000", customer_email="li@example.com")
    anonymise = customer.anonymise

    def slowly(*args, **kwargs):  # each case's step holds the chain's lock a while: the old order deadlocked
        done = anonymise(*args, **kwargs)
        time.sleep(0.3)
        return done

    monkeypatch.setattr(customer, "anonymise", slowly)
    monkeypatch.setattr("kesu.tasks._submit", lambda name, kwargs: None)  # no after-commit work in the way
    start = threading.Barrier(2)
    plans: dict[str, customer.Erasure] = {}
    failures: list[BaseException] = []

    def erase(name: str, who: customer.Customer) -> None:
        try:
            start.wait()
            plans[name] = customer.erase(who, actor=people["zhoujl"], now=now + timedelta(days=1),
                                         reason="客户要求删除")
        except BaseException as exc:  # a deadlock would be psycopg's DeadlockDetected
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=erase, args=("phone", customer.Customer.parse(phone="13812345678"))),
               threading.Thread(target=erase, args=("email", customer.Customer.parse(email="li@example.com")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures, failures
    erased = sorted(plans["phone"].erased + plans["email"].erased)
    assert erased == sorted([a.number, b.number, c.number])  # b erased once, by whichever came first
    assert sorted(plans["phone"].done_before + plans["email"].done_before) == [b.number]
    assert all(x.anonymised_at is not None for x in Complaint.objects.filter(pk__in=[a.pk, b.pk, c.pk]))
    report = verify()
    assert report.ok, report.problems
