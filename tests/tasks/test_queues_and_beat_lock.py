"""At scale (docs/tasks.md): every task goes to the queue its name says — the clock sweep never
waits behind a report — and one scheduler sends: beat holds a lock in Redis, a second beat started
by mistake sends nothing while the first renews it, and takes over once it lapses (celery #2856)."""

from __future__ import annotations

import time

import pytest

from kesu.tasks import DEFAULT_QUEUE, QUEUES, discover, queue_for
from tests.servers import private_redis

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("task", "queue"), [
    ("clocks.sweep", "clocks"),
    ("workflow.overdue", "clocks"),
    ("mail.poll", "intake"),
    ("intake.handover", "intake"),
    ("notifications.deliver", "notifications"),
    ("notifications.sms", "notifications"),  # a new channel's outbox: its prefix is enough
    ("reports.deliver", "reports"),
    ("workflow.discipline_list", "reports"),
    ("privacy.retention", "reports"),
    ("intelligence.cluster", "intelligence"),
    ("something.new", DEFAULT_QUEUE),
])
def test_each_task_goes_to_the_queue_its_name_says(task, queue):
    assert queue_for(task) == queue and queue in QUEUES


def test_every_registered_task_has_a_queue_a_worker_consumes():
    assert all(queue_for(name) in QUEUES for name in discover())


def test_celery_routes_enqueued_and_periodic_runs_alike_and_keeps_tasks_within_the_visibility_timeout(settings):
    from kesu.tasks import celery_app

    assert celery_app.route("kesu.run_task", ("clocks.sweep", {}), {}, {}) == {"queue": "clocks"}
    assert celery_app.route("kesu.run_periodic", ("reports.deliver",), {}, {}) == {"queue": "reports"}
    conf = celery_app.app.conf
    assert conf.beat_schedule["clocks.sweep"]["options"] == {"queue": "clocks"}
    assert conf.beat_schedule["clocks.sweep"]["task"] == "kesu.run_periodic"
    assert conf.task_acks_late and conf.worker_prefetch_multiplier == 1
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert conf.task_soft_time_limit < conf.task_time_limit < visibility  # no live task is handed out twice
    assert conf.beat_scheduler == "kesu.tasks.beat:LockedScheduler"
    assert conf.beat_max_loop_interval <= settings.KESU_BEAT_LOCK_SECONDS / 3  # renewed well within its life


def test_one_beat_holds_the_lock_a_second_sends_nothing_and_takes_over_when_it_lapses(settings, tmp_path):
    from kesu.tasks.beat import LockedScheduler
    from kesu.tasks.celery_app import app

    settings.KESU_BEAT_LOCK_SECONDS = 3
    with private_redis(tmp_path) as url:
        settings.KESU_CELERY_BROKER_URL = f"{url}/0"
        first = LockedScheduler(app=app, schedule_filename=str(tmp_path / "one"))
        second = LockedScheduler(app=app, schedule_filename=str(tmp_path / "two"))
        assert first.holds_lock() is True
        assert second.holds_lock() is False
        assert second.tick() == 1.0  # a third of the lock's life: it looks again, and sends nothing
        time.sleep(1.2)
        assert first.holds_lock() is True and second.holds_lock() is False  # renewed, still the leader
        time.sleep(3.5)  # the first stops renewing (killed): its lock lapses
        assert second.holds_lock() is True
        assert first.holds_lock() is False  # it finds it lost the lock and sends nothing either
        second.close()  # a beat stopped normally lets go at once
        assert first.holds_lock() is True
        first.close()


def test_a_task_waiting_in_its_queue_is_not_queued_again_until_it_starts(settings, tmp_path, monkeypatch,
                                                                          django_capture_on_commit_callbacks):
    import redis

    from kesu import tasks
    from kesu.tasks.celery_app import app

    with private_redis(tmp_path) as url:
        settings.KESU_TASK_BACKEND = "celery"
        settings.KESU_CELERY_BROKER_URL = f"{url}/0"
        monkeypatch.setattr(app.conf, "broker_url", f"{url}/0")  # this process's sends go to this Redis only
        monkeypatch.setattr(app, "_pool", None)
        tasks._redis = None
        broker = redis.Redis.from_url(f"{url}/0")
        try:
            with django_capture_on_commit_callbacks(execute=True):
                for _ in range(5):  # five breaches in one sweep, each notifying
                    tasks.enqueue("notifications.deliver")
            assert broker.llen("notifications") == 1
            tasks.started("notifications.deliver", {})  # a worker picks it up: later work needs a new run
            with django_capture_on_commit_callbacks(execute=True):
                tasks.enqueue("notifications.deliver")
            assert broker.llen("notifications") == 2
        finally:
            tasks._redis = None
            if app._pool is not None:
                app._pool.force_close_all()
