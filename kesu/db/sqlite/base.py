"""Django's SQLite backend, waiting for the write lock in small steps.

Every Kesu transaction starts with ``BEGIN IMMEDIATE`` (it takes SQLite's one write lock up
front, so two writers never deadlock on an upgrade). When another process holds the lock,
SQLite's own busy handler sleeps 1, 2, 5, 10 … ms between tries — long next to a registration's
half-millisecond transaction, so under load the server idled while it waited (a quarter of the
CPU with two workers; bench/README.md). Here the BEGIN is retried after 0.1 ms, doubling to 2 ms,
until the same timeout SQLite would have applied; every other statement keeps SQLite's handler.
"""

from __future__ import annotations

import sqlite3
import time

from django.db.backends.sqlite3 import base

FIRST_WAIT = 0.0001
LONGEST_WAIT = 0.002


class DatabaseWrapper(base.DatabaseWrapper):
    def _start_transaction_under_autocommit(self) -> None:
        if self.transaction_mode is None:
            return super()._start_transaction_under_autocommit()
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
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
