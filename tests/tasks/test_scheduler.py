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


@pytest.fixture
def yielding_task():
    from kesu.tasks import yielding

    discover()

    @register("test.suggest", every_seconds=10, yields=True)
    def suggest(*, now):
        calls.append("suggest")

    calls.clear()
    yielding.enabled, before = True, yielding.last_request
    yield yielding
    yielding.enabled, yielding.last_request = False, before
    REGISTRY.pop("test.suggest")


def test_work_that_can_wait_yields_to_requests_for_at_most_a_minute(yielding_task, tmp_path):
    """Inside the web server the background shares the cores with requests: suggestions wait while
    requests come in, but never longer than a minute; the clock sweep never waits."""
    scheduler = Scheduler(lock_path=tmp_path / "lock")
    assert {"test.suggest", "clocks.sweep"} <= set(scheduler.run_due(monotonic_now=1000.0))  # first run
    yielding_task.last_request = 1019.5  # a request half a second ago
    ran = scheduler.run_due(monotonic_now=1020.0)
    assert "test.suggest" not in ran and "clocks.sweep" in ran
    yielding_task.last_request = 1059.9
    assert "test.suggest" in scheduler.run_due(monotonic_now=1060.0)  # a minute waited: runs anyway
    yielding_task.last_request = 1068.0
    assert "test.suggest" in scheduler.run_due(monotonic_now=1070.0)  # idle for 2 s: runs at its interval
    assert calls == ["suggest", "suggest", "suggest"]


def test_a_wake_up_while_busy_is_left_to_the_periodic_run(yielding_task, monkeypatch):
    from concurrent.futures import Future

    from kesu import tasks

    submitted = []
    monkeypatch.setattr(tasks, "_background", lambda: type("X", (), {
        "submit": lambda *a: submitted.append(a) or Future()})())
    yielding_task.note_request()
    tasks._submit("test.suggest", {})
    assert submitted == []
    yielding_task.last_request -= 5  # quiet again
    tasks._submit("test.suggest", {})
    assert len(submitted) == 1
    tasks.started("test.suggest", {})
    tasks._queued.clear()
    with pytest.raises(ValueError, match="must be periodic"):
        register("test.never", yields=True)


def test_stopping_the_web_worker_drops_queued_runs_instead_of_waiting_for_them():
    """Ctrl+C on `kesu serve` during a burst: the run under way finishes, the queued ones are left
    to the next periodic run (each finds its work in the database), so the stop takes no longer
    than one run."""
    import threading
    import time

    from kesu import tasks

    release, ran = threading.Event(), []

    @register("test.slow", every_seconds=10)
    def slow(*, now, n):
        if n == 0:
            release.wait(5)
        ran.append(n)

    try:
        for n in range(4):
            tasks._submit("test.slow", {"n": n})
        time.sleep(0.05)  # the first run has started and waits
        t0 = time.monotonic()
        assert tasks.stop_background() == 3
        assert time.monotonic() - t0 < 1
        release.set()
        time.sleep(0.2)
        assert ran == [0]  # the run under way finished; the three queued never ran
        tasks._submit("test.slow", {"n": 9})  # a worker that goes on gets a fresh thread
        for _ in range(50):
            if 9 in ran:
                break
            time.sleep(0.02)
        assert ran == [0, 9]
    finally:
        release.set()
        tasks.stop_background()
        REGISTRY.pop("test.slow")
