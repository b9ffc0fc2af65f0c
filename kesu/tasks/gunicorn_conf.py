"""gunicorn settings for ``kesu serve``: each worker offers to run the in-process scheduler; the
file lock lets one of them do it (embedded default only — with Celery, beat does this); each request
is noted, so background work that can wait yields to requests (kesu.tasks.Yielding)."""

from __future__ import annotations

from typing import Any

# After these many requests a worker settles its heap again: what it cached as it served (templates
# compiled on first use, each unit's parsed policy) stays out of the full passes too.
SETTLE_AFTER = frozenset({10, 100, 1_000, 10_000})
_served = [0]


def settle_heap() -> None:
    """Leave what the worker has made so far out of the garbage collector's full passes. A full
    pass walked every module, class and function of the app (about 165,000 objects: 70–130 ms on
    this machine, once every 60 or so queue pages — the queues' p99), and they live as long as the
    worker does. Called once the worker has loaded the app, and again after SETTLE_AFTER requests:
    the caches it fills meanwhile (the templates of its first pages, 50 units' parsed policies:
    50,000 objects) made each later full pass 15–25 ms. A collection first, so no garbage is
    frozen; a frozen object's memory is freed when its last reference goes, as always — only a
    reference cycle among frozen objects would stay, and the four later settles bound that."""
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
    """Each request: noted (background work yields to requests), counted (the heap settled after
    SETTLE_AFTER of them). The page benchmark calls it before each request, as a worker does."""
    from kesu.tasks import yielding

    yielding.note_request()
    _served[0] += 1
    if _served[0] in SETTLE_AFTER:
        settle_heap()
