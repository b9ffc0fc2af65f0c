"""Django's SQLite backend, waiting for the write lock in small steps.

Every Kesu transaction starts with ``BEGIN IMMEDIATE`` (it takes SQLite's one write lock up
front, so two writers never deadlock on an upgrade). When another process holds the lock,
SQLite's own busy handler sleeps 1, 2, 5, 10 … ms between tries — long next to a registration's
half-millisecond transaction, so under load the server idled while it waited (a quarter of the
CPU with two workers; bench/README.md). Here the BEGIN is retried after 0.1 ms, doubling to 2 ms,
until the same timeout SQLite would have applied; every other statement keeps SQLite's handler.

Checkpoints: by default the connection that commits past 1,000 WAL pages copies them into the
database file and syncs it — a stall of 2–40 ms on the request that happened to commit (every
twenty-odd registrations; bench/README.md, stop 25). In the web server's workers
(kesu/ops/served.py) :func:`checkpoint_in_background` turns that off for the process and a thread
of its own checkpoints instead, while requests go on.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from typing import Any

from django.db import close_old_connections, connections
from django.db.backends.sqlite3 import base

log = logging.getLogger(__name__)

FIRST_WAIT = 0.0001
LONGEST_WAIT = 0.002
CHECKPOINT_EVERY = 0.5  # seconds; about 120 registrations' pages at full speed, well under SQLite's 1,000
RESTART_FRAMES = 16_384  # 64 MB of log (4 KB pages)
RESTART_WAIT = 100  # ms


class DatabaseWrapper(base.DatabaseWrapper):
    autocheckpoint = True  # SQLite's own, on commit; False once checkpoint_in_background() runs

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        conn = super().get_new_connection(conn_params)
        if not type(self).autocheckpoint:
            conn.execute("PRAGMA wal_autocheckpoint = 0")
        return conn

    def busy_timeout(self) -> float:
        """The configured wait for the write lock, in seconds (``OPTIONS["timeout"]``)."""
        return float(self.settings_dict["OPTIONS"].get("timeout", 5))

    def _start_transaction_under_autocommit(self) -> None:
        if self.transaction_mode is None:
            return super()._start_transaction_under_autocommit()
        timeout = self.busy_timeout()
        raw = self.connection
        with self.wrap_database_errors:
            raw.execute("PRAGMA busy_timeout = 0")
            try:
                deadline, wait = time.monotonic() + timeout, FIRST_WAIT
                while True:
                    try:
                        raw.execute(f"BEGIN {self.transaction_mode}")
                        return None
                    except sqlite3.OperationalError as exc:
                        if "locked" not in str(exc) or time.monotonic() >= deadline:
                            raise
                    time.sleep(wait)
                    wait = min(wait * 2, LONGEST_WAIT)
            finally:
                raw.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")


def restart(cursor: Any) -> None:
    """A checkpoint after which the next writer starts the log from its beginning again.

    Under writes that never pause (two workers registering), a PASSIVE checkpoint never finds the
    log wholly copied at the moment a writer starts, so SQLite never restarts it: the log grew by
    about 50 MB a second, to 1 GB in 20 s of load (bench/README.md, stop 28), every frame a new
    block of the file and of the page cache. This one waits for the writer and the readers of
    older snapshots to finish — at most ``RESTART_WAIT`` ms, during which no new writer starts —
    copies what is left and syncs the database file."""
    cursor.execute(f"PRAGMA busy_timeout = {RESTART_WAIT}")
    try:
        cursor.execute("PRAGMA wal_checkpoint(RESTART)")
        cursor.fetchone()
    finally:
        cursor.execute(f"PRAGMA busy_timeout = {int(cursor.db.busy_timeout() * 1000)}")


def checkpoint_in_background(alias: str = "default", every: float = CHECKPOINT_EVERY,
                             stop: threading.Event | None = None) -> threading.Thread | None:
    """Stop this process's connections checkpointing on commit and start a daemon thread that
    runs a PASSIVE checkpoint every ``every`` seconds (it never waits for readers or writers; what
    it could not copy the next one does), and a RESTART one once the log passes
    ``RESTART_FRAMES`` (see ``restart``). Other processes (management commands, the scheduler of
    another deployment) keep SQLite's own. None on another database engine. ``stop`` (tests) ends
    the thread and gives commits their checkpoints back."""
    if connections[alias].vendor != "sqlite":
        return None
    DatabaseWrapper.autocheckpoint = False
    for conn in connections.all(initialized_only=True):  # any opened before: take the new setting
        conn.close()

    stopping = stop or threading.Event()  # without one: for the life of the process

    def loop() -> None:
        while not stopping.wait(every):
            try:
                with connections[alias].cursor() as cursor:
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    frames = cursor.fetchone()[1]
                    if frames >= RESTART_FRAMES:  # see restart()
                        restart(cursor)
            except Exception:  # a locked or closing database: the next round tries again
                log.warning("background checkpoint failed", exc_info=True)
            finally:
                close_old_connections()
        DatabaseWrapper.autocheckpoint = True
        connections[alias].close()

    thread = threading.Thread(target=loop, name="kesu-checkpoint", daemon=True)
    thread.start()
    return thread
