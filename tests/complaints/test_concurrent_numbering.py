"""SPEC F2: numbers are unique and gap-free under concurrent registration — 8 processes × 500
registrations give 4,000 distinct, consecutive numbers, on SQLite and on PostgreSQL (the test
command runs the suite on both)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kesu.complaints.models import Complaint, NumberCounter
from tests.servers import ROOT, child_env

PROCESSES, EACH = 8, 500
WORKER = Path(__file__).with_name("register_worker.py")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_eight_processes_registering_500_each_get_4000_consecutive_numbers(p1, people, now):
    env = child_env()
    actor = people["wangkf"]
    workers = [
        subprocess.Popen([sys.executable, str(WORKER), str(EACH), str(actor.pk), now.isoformat()], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        for _ in range(PROCESSES)
    ]
    outputs = [w.communicate(timeout=600) for w in workers]
    for w, (_out, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, err[-3000:]

    numbers = [n for out, _err in outputs for n in out.split()]
    assert len(numbers) == len(set(numbers)) == PROCESSES * EACH
    assert all(n.startswith("260310") for n in numbers)
    assert sorted(int(n[6:]) for n in numbers) == list(range(1, PROCESSES * EACH + 1))  # no gaps, no repeats
    assert Complaint.objects.count() == PROCESSES * EACH
    assert NumberCounter.objects.get(scope="2026").value == PROCESSES * EACH
