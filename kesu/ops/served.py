"""The WSGI application ``kesu serve`` runs: Django's, plus what the embedded default needs inside
each web worker. granian imports this module in every worker process it starts (never in its
supervising process), so importing it is the worker's start:

* on the in-process task backend the worker offers to run the scheduler (a file lock lets exactly
  one worker do it, kesu.tasks.scheduler) and background work that can wait yields to requests
  (kesu.tasks.Yielding), which this application notes as they come;
* the loaded app is kept out of the garbage collector's full passes, and again after its 10th,
  100th … request (kesu.tasks.heap);
* on SQLite, a thread of the worker checkpoints the write-ahead log, not the request that
  happens to commit past its limit (kesu.db.sqlite);
* when the worker stops (Ctrl+C, a deploy) the background runs still queued are dropped instead of
  holding the stop up; the periodic run after the restart finds their work in the database.
"""

from __future__ import annotations

import logging
import multiprocessing.util
import os
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from kesu.tasks import heap, stop_background, yielding

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")
django_application = get_wsgi_application()  # as kesu.wsgi makes it: this module is its own entry point

log = logging.getLogger(__name__)


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    yielding.note_request()
    heap.count_request()
    return django_application(environ, start_response)  # type: ignore[no-any-return]


def _worker_stopping() -> None:
    dropped = stop_background()
    if dropped:
        log.info("stopping: %d queued background run(s) left to the next periodic run", dropped)


def _worker_started() -> None:
    from kesu.db.sqlite.base import checkpoint_in_background

    heap.settle_heap()  # the loaded app out of the garbage collector's full passes (kesu.tasks.heap)
    checkpoint_in_background()  # SQLite: no request waits for a checkpoint's sync
    if settings.KESU_TASK_BACKEND == "inprocess":
        from kesu.tasks.scheduler import Scheduler

        yielding.enabled = True
        Scheduler().start()
    # granian's workers are multiprocessing processes: these finalizers run as one ends, before
    # the interpreter joins the background thread (atexit handlers do not run there)
    multiprocessing.util.Finalize(None, _worker_stopping, exitpriority=10)


_worker_started()
