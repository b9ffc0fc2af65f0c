"""On SQLite a transaction waits for the write lock another process holds — in small steps, so it
starts within a few milliseconds of the lock's release — and gives up with SQLite's own error at
the configured timeout."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from pathlib import Path

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


def wal_pages() -> int:
    """The write-ahead log file's length in pages: a checkpoint lets the next writer start the log
    over from its beginning, so without checkpoints it only grows."""
    path = Path(connection.settings_dict["NAME"] + "-wal")
    return path.stat().st_size // (4096 + 24) if path.exists() else 0


def test_in_the_web_server_no_commit_checkpoints_a_thread_of_the_worker_does():
    """A request's commit never stalls on copying the write-ahead log into the database and syncing
    it; the worker's own thread does that while requests go on, so the log stays short."""
    from kesu.db.sqlite.base import checkpoint_in_background

    with connection.cursor() as cursor:  # the log of the tests before this one: emptied, so its length is ours
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert cursor.fetchone()[0] == 0 and wal_pages() == 0
    stop = threading.Event()
    thread = checkpoint_in_background(every=0.05, stop=stop)
    assert thread is not None
    try:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            assert cursor.fetchone()[0] == 0  # commits of this process leave the log alone
            cursor.execute("CREATE TABLE ckpt_probe (blob BLOB)")
        for _ in range(40):  # about 1,500 pages committed, in 40 transactions, over a second
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany("INSERT INTO ckpt_probe VALUES (randomblob(3900))", [()] * 40)
            time.sleep(0.03)
        time.sleep(0.2)
        assert 0 < wal_pages() < 400  # without the thread the log would hold all 1,500
    finally:
        stop.set()
        thread.join(5)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE ckpt_probe")
    connection.close()
    with connection.cursor() as cursor:  # back to SQLite's own for connections made after
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 1000


def open_files() -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own descriptor, closed meanwhile
            found.append(os.readlink(f"/proc/self/fd/{fd}"))
    return found


def test_a_transaction_that_writes_many_pages_leaves_no_temporary_file(tmp_path):
    """Statement journals stay in memory: a multi-row write inside a transaction (a registration's
    rows) once spilled its journal to a new file in the temporary directory every other time."""
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
        cursor.execute(f"PRAGMA temp_store_directory = '{tmp_path}'")  # where SQLite would make the file
    opened = []
    try:
        with transaction.atomic():
            Department.objects.bulk_create([Department(code=f"d{i}", name="部" * 200 + str(i)) for i in range(400)])
            # one statement changing again the ~30 pages the transaction wrote: its journal holds them all
            Department.objects.filter(code__startswith="d").update(name="门" * 200)
            opened = open_files()  # SQLite unlinks the file as it makes it: only an open one shows
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA temp_store_directory = ''")
    assert [p for p in opened if str(tmp_path) in str(p)] == []


def keep_writing(seconds: float) -> int:
    """Two workers under load, for ``seconds``: two connections committing 8-page transactions
    with 2 ms between them (a request's work before its write), and two reading in turns so that
    some snapshot is always held (a request reads before it writes); the pages written."""
    written = [0, 0]
    stop = time.monotonic() + seconds

    def write(i: int) -> None:
        other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, timeout=5)
        while time.monotonic() < stop:
            other.execute("BEGIN IMMEDIATE")
            other.executemany("INSERT INTO restart_probe VALUES (randomblob(3900))", [()] * 8)
            other.execute("COMMIT")
            written[i] += 8
            time.sleep(0.002)  # the next request's work before its write
        other.close()

    def read(offset: float) -> None:
        other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, timeout=5)
        time.sleep(offset)
        while time.monotonic() < stop:
            other.execute("BEGIN")
            other.execute("SELECT COUNT(*) FROM restart_probe").fetchone()
            time.sleep(0.004)
            other.execute("COMMIT")
        other.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in (0, 1)]
    threads += [threading.Thread(target=read, args=(offset,)) for offset in (0, 0.002)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(written)


@pytest.mark.parametrize("restart_frames", [None, 400])
def test_under_writes_that_never_pause_the_log_is_started_over_once_it_is_long(monkeypatch, restart_frames):
    """A PASSIVE checkpoint alone never finds the log wholly copied when a writer starts, so the
    log only grows (to 1 GB in 20 s of the API benchmark); past RESTART_FRAMES the worker's thread
    waits briefly for a moment without a writer and the next writer starts the log over."""
    from kesu.db.sqlite import base

    monkeypatch.setattr(base, "RESTART_FRAMES", restart_frames or 10**9)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("CREATE TABLE restart_probe (blob BLOB)")
    stop = threading.Event()
    thread = base.checkpoint_in_background(every=0.02, stop=stop)
    assert thread is not None
    try:
        written = keep_writing(1.5)
        pages = wal_pages()
    finally:
        stop.set()
        thread.join(5)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE restart_probe")
    connection.close()
    if restart_frames is None:
        assert pages > written * 0.9, (pages, written)  # every page the writer wrote is still in the log
    else:
        assert pages < min(written / 3, 4000), (pages, written)
