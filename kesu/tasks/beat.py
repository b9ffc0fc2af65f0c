"""Celery beat with a leader lock in Redis: exactly one scheduler sends periodic tasks.

Two beats send every periodic task twice (celery #2856); so does ``worker -B`` on two workers. Every
beat of Kesu runs this scheduler class. Before each tick it holds (or renews) a lock in the broker's
Redis — ``SET kesu:beat:leader <token> NX PX <ttl>`` through redis-py's Lock, renewed only by its
holder — and only the holder sends. Another beat, started by mistake or as a standby, checks every
third of the lock's life and takes over when the holder stops renewing it: a beat killed without
warning (SIGKILL, a lost machine) is replaced within ``KESU_BEAT_LOCK_SECONDS`` (30 s), and a beat
stopped normally releases the lock at once.

A takeover may send a task the old leader had just sent: harmless, as every task is idempotent. What
the lock prevents is the steady doubling of every periodic task for as long as both run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from typing import Any

import redis
from celery.beat import PersistentScheduler
from django.conf import settings
from redis.exceptions import LockError, RedisError

log = logging.getLogger(__name__)
LOCK_KEY = "kesu:beat:leader"


class LockedScheduler(PersistentScheduler):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lock_seconds = float(settings.KESU_BEAT_LOCK_SECONDS)
        self.identity = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._redis = redis.Redis.from_url(settings.KESU_CELERY_BROKER_URL)
        self._lock = self._redis.lock(LOCK_KEY, timeout=self.lock_seconds, thread_local=False)
        self._leading = False
        super().__init__(*args, **kwargs)

    def holds_lock(self) -> bool:
        try:
            if self._leading:
                try:
                    self._lock.reacquire()  # resets the lock's life; refused unless it is still ours
                    return True
                except LockError:
                    log.warning("beat %s lost the scheduler lock: sending nothing", self.identity)
                    self._leading = False
            if self._lock.acquire(blocking=False, token=self.identity):
                self._leading = True
                log.info("beat %s holds the scheduler lock and sends the periodic tasks", self.identity)
            return self._leading
        except RedisError as exc:
            log.warning("beat %s cannot reach Redis for the scheduler lock (%r): sending nothing", self.identity, exc)
            self._leading = False
            return False

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self.holds_lock():
            log.debug("another beat holds the scheduler lock: this one sends nothing")
            return self.lock_seconds / 3
        return float(min(super().tick(*args, **kwargs), self.lock_seconds / 3))

    def close(self) -> None:
        super().close()
        if self._leading:
            with contextlib.suppress(LockError, RedisError):
                self._lock.release()
            self._leading = False
