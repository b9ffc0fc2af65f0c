"""The in-process scheduler of the embedded default: a daemon thread that runs due periodic tasks.

Several web workers (kesu/ops/served.py) may each start one; a non-blocking ``flock`` on a file in the data
folder lets exactly one of them run at a time, and another takes over within one tick if that
worker dies (the kernel releases the lock with the process). A failing task is logged and
reported, and the scheduler carries on.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import close_old_connections

from kesu.tasks import discover, run_scheduled, yielding

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, *, tick: float = 1.0, lock_path: Path | None = None) -> None:
        self.tick = tick
        self.lock_path = lock_path or Path(settings.DATA_DIR) / "scheduler.lock"
        self._stop = threading.Event()
        self._lock_file: IO[str] | None = None
        self._last_run: dict[str, float] = {}
        self.thread: threading.Thread | None = None

    @property
    def is_leader(self) -> bool:
        return self._lock_file is not None

    def try_lead(self) -> bool:
        if self._lock_file is None:
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(self.lock_path, "a+")  # noqa: SIM115 — held open for the scheduler's life
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.close()
                return False
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()))
            fh.flush()
            self._lock_file = fh
        return True

    def run_due(self, monotonic_now: float | None = None) -> list[str]:
        """Run every periodic task whose interval has passed; return their names."""
        ran = []
        clock = time.monotonic() if monotonic_now is None else monotonic_now
        for task in discover().values():
            if task.every_seconds is None:
                continue
            last = self._last_run.get(task.name)
            if last is not None and clock - last < task.every_seconds:
                continue
            if yielding.waits(task, last_run=last, now=clock):
                continue  # requests first: tried again next tick (kesu.tasks.Yielding)
            self._last_run[task.name] = clock
            ran.append(task.name)
            try:
                run_scheduled(task.name)
            except Exception as exc:
                log.exception("scheduled task %s failed", task.name)
                _report_failure(task.name, exc)
        return ran

    def loop(self) -> None:
        while not self._stop.is_set():
            if self.try_lead():
                try:
                    self.run_due()
                finally:
                    close_old_connections()  # this thread's own connections, never the web request's
            self._stop.wait(self.tick)

    def start(self) -> threading.Thread:
        self.thread = threading.Thread(target=self.loop, name="kesu-scheduler", daemon=True)
        self.thread.start()
        return self.thread

    def stop(self) -> None:
        self._stop.set()
        if self.thread is not None:
            self.thread.join(timeout=10)
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None


def _report_failure(name: str, exc: Exception) -> None:
    try:
        from django.db import transaction
        from django.utils import timezone

        from kesu.clocks.people import with_role
        from kesu.core.roles import Role
        from kesu.notifications.services import notify

        with transaction.atomic():
            notify(recipients=list(with_role(Role.SYSADMIN)), kind="task_failed", now=timezone.now(),
                   params={"task": name, "error": repr(exc)[:300]},
                   dedupe_key=f"task_failed:{name}:{timezone.now():%Y%m%d%H}")
    except Exception:
        log.exception("could not report the failure of %s", name)
