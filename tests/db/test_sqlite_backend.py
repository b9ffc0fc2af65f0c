"""On SQLite a transaction waits for the write lock another process holds — in small steps, so it
starts within a few milliseconds of the lock's release — and gives up with SQLite's own error at
the configured timeout."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from django.db import OperationalError, connection, transaction

from kesu.org.models import Department

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock"),
]


def hold_write_lock(seconds: float) -> threading.Thread:
    """Another process's writer: a second connection holding BEGIN IMMEDIATE for ``seconds``."""
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")

    def release() -> None:
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    t = threading.Thread(target=release)
    t.start()
    return t


def test_a_writer_waits_for_the_lock_and_starts_as_soon_as_it_is_free():
    holder = hold_write_lock(0.235)
    t0 = time.monotonic()
    with transaction.atomic():
        Department.objects.create(code="waited", name="等锁的部门")
    waited = time.monotonic() - t0
    holder.join()
    assert 0.235 <= waited < 0.31  # SQLite's own handler would try next at 0.328 s
    assert Department.objects.filter(code="waited").exists()


def test_a_writer_gives_up_at_the_timeout_with_sqlites_error(settings):
    options = connection.settings_dict["OPTIONS"]
    before = options["timeout"]
    options["timeout"] = 1
    holder = hold_write_lock(2.5)
    try:
        t0 = time.monotonic()
        with pytest.raises(OperationalError, match="locked"), transaction.atomic():
            Department.objects.create(code="gave-up", name="放弃的部门")
        assert 1 <= time.monotonic() - t0 < 1.5
    finally:
        options["timeout"] = before
        holder.join()
    assert not Department.objects.filter(code="gave-up").exists()
