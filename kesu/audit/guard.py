"""What lets Django's ``flush`` (and only it) empty the append-only tables on SQLite.

On SQLite the DELETE triggers (migration 0002) refuse unless ``kesu_audit_flushing()`` returns 1.
The function exists only on Kesu's own connections, where it returns 1 while the ``flush`` command
runs (``kesu/audit/management/commands/flush.py``: the test suite's way of emptying the database
between transactional tests, and a whole-database wipe anyway). Any other connection — the
sqlite3 shell, a script opening the file — has no such function, so its DELETE fails too.
PostgreSQL's flush uses TRUNCATE, which row triggers do not see; there the application role is
denied TRUNCATE instead (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_flushing = 0


def flushing() -> int:
    return 1 if _flushing else 0


@contextmanager
def allow_flush() -> Iterator[None]:
    global _flushing
    _flushing += 1
    try:
        yield
    finally:
        _flushing -= 1


def on_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("kesu_audit_flushing", 0, flushing)
