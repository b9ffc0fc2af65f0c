"""SPEC F6: sweeps are idempotent and safe with two workers at once — two processes sweeping the
same 200 due clocks record each breach once and book each penalty once."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from kesu.clocks.models import PenaltyEntry
from kesu.complaints.models import ComplaintEvent
from tests.factories import register
from tests.servers import ROOT, child_env

SWEEP = """
import django, sys
from datetime import datetime
django.setup()
from kesu.clocks.sweep import sweep
print(sweep(now=datetime.fromisoformat(sys.argv[1])))
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_processes_sweeping_at_once_record_each_breach_and_penalty_once(p1, people, now):
    for _ in range(100):
        register(people, now, level="major")  # each: first response (50 元) and hand-off, due at +10 min
    when = (now + timedelta(minutes=11)).isoformat()
    procs = [subprocess.Popen([sys.executable, "-c", SWEEP, when], env=child_env(), cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-2000:]
    assert ComplaintEvent.objects.filter(kind="clock_breached").count() == 200
    assert PenaltyEntry.objects.count() == 100
