"""SPEC F6 at scale (issue 19, bench/scale.py): a burst of clocks due at one instant is shared out.
A sweep finding more due clocks than it should book alone asks for a second sweep at once (on
PostgreSQL, where sweeps can book side by side); each sweep passes over a complaint another holds
locked, and that clock is booked by the holder or by the next sweep — never twice, never lost."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from django.db import connection

from kesu.clocks import sweep as sweeping
from kesu.clocks.models import ComplaintClock
from kesu.complaints.models import ComplaintEvent
from tests.factories import register
from tests.servers import test_database_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_burst_asks_for_a_second_sweep_where_sweeps_can_share_it(p1, people, now, monkeypatch):
    from kesu.tasks import _background

    for _ in range(3):
        register(people, now, level="major")  # first response and hand-off due at +10 min
    # the registrations' after-commit work (suggestions, the outbox) runs in the task thread: let it
    # finish, so nothing but the sweep holds a complaint — else SKIP LOCKED rightly passes one over
    _background().submit(lambda: None).result()
    asked: list[str] = []
    monkeypatch.setattr(sweeping, "SHARE_AT", 4)
    monkeypatch.setattr("kesu.tasks.enqueue", lambda name, **kw: asked.append(name))
    result = sweeping.sweep(now=now + timedelta(minutes=11))
    assert result.breached == 6
    assert asked == (["clocks.sweep"] if connection.vendor == "postgresql" else [])  # SQLite: one writer


def test_a_sweep_passes_over_a_complaint_held_by_another_and_the_next_sweep_books_it(p1, people, now):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: a sweep waits for it, there is nothing to pass over")
    held, free = register(people, now, level="major"), register(people, now, level="major")
    later = now + timedelta(minutes=11)
    other = psycopg.connect(test_database_url().replace("postgres://", "postgresql://"))
    other.execute("SELECT id FROM complaints_complaint WHERE id = %s FOR UPDATE", (held.pk,))  # a step in progress
    try:
        first = sweeping.sweep(now=later)
    finally:
        other.rollback()
        other.close()
    assert first.breached == 2  # the free complaint's two clocks; the held one's wait
    assert not ComplaintClock.objects.filter(complaint=held, breached_at__isnull=False).exists()
    second = sweeping.sweep(now=later + timedelta(seconds=20))
    assert second.breached == 2
    for c in (held, free):
        assert ComplaintEvent.objects.filter(complaint=c, kind="clock_breached").count() == 2
