"""The in-process scheduler of the embedded default: runs due periodic tasks, survives a failing
one, and only one scheduler leads among several web workers."""

from __future__ import annotations

import pytest

from kesu.notifications.models import Notification
from kesu.tasks import REGISTRY, discover, register, run
from kesu.tasks.scheduler import Scheduler

pytestmark = pytest.mark.django_db
calls: list[str] = []


@pytest.fixture
def test_tasks():
    discover()

    @register("test.tick", every_seconds=10)
    def tick(*, now):
        calls.append("tick")

    @register("test.boom", every_seconds=10)
    def boom(*, now):
        raise RuntimeError("boom")

    calls.clear()
    yield
    REGISTRY.pop("test.tick")
    REGISTRY.pop("test.boom")


def test_run_injects_now_and_calls_the_same_function(test_tasks):
    run("test.tick")
    assert calls == ["tick"]


def test_the_scheduler_runs_due_tasks_once_per_interval_and_survives_a_failing_one(test_tasks, tmp_path, people):
    scheduler = Scheduler(lock_path=tmp_path / "lock")
    ran = scheduler.run_due(monotonic_now=100.0)
    assert {"test.tick", "test.boom", "clocks.sweep", "notifications.deliver"} <= set(ran)
    assert calls == ["tick"]
    assert Notification.objects.filter(kind="task_failed", recipient=people["admin"]).exists()  # reported

    assert "test.tick" not in scheduler.run_due(monotonic_now=105.0)  # not yet
    assert "test.tick" in scheduler.run_due(monotonic_now=110.0)
    assert calls == ["tick", "tick"]


def test_only_one_scheduler_leads_and_another_takes_over_when_it_stops(tmp_path):
    first, second = Scheduler(lock_path=tmp_path / "lock"), Scheduler(lock_path=tmp_path / "lock")
    assert first.try_lead() is True
    assert second.try_lead() is False
    first.stop()
    assert second.try_lead() is True
    second.stop()
