"""gunicorn settings for ``kesu serve``: each worker offers to run the in-process scheduler; the
file lock lets one of them do it (embedded default only — with Celery, beat does this); each request
is noted, so background work that can wait yields to requests (kesu.tasks.Yielding)."""

from __future__ import annotations

from typing import Any


def settle_heap() -> None:
    """Leave what loading the app made out of the garbage collector's full passes: a full pass
    walked every module, class and function of the app (about 165,000 objects; 70–130 ms on this
    machine, once every 60 or so queue pages — the pages' p99), and they live as long as the worker
    does. Called once the worker has loaded the app; the benchmarks of pages call it too."""
    import gc

    gc.collect()
    gc.freeze()


def post_worker_init(worker: Any) -> None:
    from django.conf import settings

    settle_heap()

    if settings.KESU_TASK_BACKEND == "inprocess":
        from kesu.tasks import yielding
        from kesu.tasks.scheduler import Scheduler

        yielding.enabled = True
        Scheduler().start()


def worker_exit(server: Any, worker: Any) -> None:
    """A stop (Ctrl+C, a deploy) does not wait for background runs still queued (kesu.tasks)."""
    from kesu.tasks import stop_background

    dropped = stop_background()
    if dropped:
        worker.log.info("stopping: %d queued background run(s) left to the next periodic run", dropped)


def pre_request(worker: Any, req: Any) -> None:
    from kesu.tasks import yielding

    yielding.note_request()
