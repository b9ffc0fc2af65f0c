"""Concurrent writers never fork the chain: 4 processes each registering 100 complaints and
recording 100 entries of their own, side by side, leave one chain numbered 1…n without a gap that
verifies — on SQLite (the write lock every transaction takes) and PostgreSQL (the advisory lock of
kesu_audit_head())."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kesu.audit.models import AuditEntry
from kesu.audit.verify import verify
from kesu.complaints.models import Complaint
from tests.servers import ROOT, child_env

PROCESSES, EACH = 4, 100
WORKER = Path(__file__).with_name("chain_worker.py")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_four_processes_appending_side_by_side_leave_one_unbroken_chain(p1, people, now, tmp_path, settings):
    settings.KESU_AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")
    before = AuditEntry.objects.count()
    env = child_env()
    workers = [subprocess.Popen([sys.executable, str(WORKER), str(EACH), str(people["wangkf"].pk), now.isoformat()],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
               for _ in range(PROCESSES)]
    for w in workers:
        _out, err = w.communicate(timeout=600)
        assert w.returncode == 0, err[-3000:]
    assert Complaint.objects.count() == PROCESSES * EACH
    entries = AuditEntry.objects.count()
    assert entries >= before + 2 * PROCESSES * EACH
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, entries + 1))
    report = verify()
    assert report.ok, report.problems
