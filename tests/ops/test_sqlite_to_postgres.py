"""From the embedded default to PostgreSQL (docs/deploy.md): ``kesu copy_database`` moves an existing
SQLite installation's data into a freshly migrated PostgreSQL database. Afterwards PostgreSQL holds
the same complaints — numbers, statuses, whole timelines, clocks and penalties, personal fields
(stored encrypted there too) — and the same files, told by each installation itself; and the next
registration continues the numbers and the ids."""

from __future__ import annotations

import json
import subprocess
import sys

import psycopg
import pytest

from tests.ops.snapshot import MAKE, told_by
from tests.servers import ROOT
from tests.topology.cluster import postgres_cluster

pytestmark = [pytest.mark.slow]

NEXT = """
import json
from django.utils import timezone
from kesu.org.models import Staff
from kesu.ops.demo import PEOPLE
from tests.factories import register
people = {s.username: s for s in Staff.objects.filter(username__in=[p.username for p in PEOPLE])}
c = register(people, timezone.now(), customer_words="迁移后的第一条投诉")
print("NEXT " + json.dumps({"number": c.number, "id": c.pk}))
"""


def kesu(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "kesu", *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"kesu {args[0]}: {done.stdout}\n{done.stderr}"
    return done.stdout


def test_an_sqlite_installation_moves_to_postgresql_with_numbers_timelines_personal_data_and_files(tmp_path):
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith(("KESU_", "DATABASE_URL"))}
    sqlite_env = {**base, "KESU_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT),
                  "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'kesu.sqlite3'}",
                  "KESU_PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher"}
    kesu(sqlite_env, "migrate", "--no-input")
    kesu(sqlite_env, "shell", "-c", MAKE)
    before = told_by(sqlite_env)

    with postgres_cluster() as pg_url:
        pg_env = {**sqlite_env, "DATABASE_URL": pg_url}  # the same data folder: its secret key, its files
        kesu(pg_env, "migrate", "--no-input")
        out = kesu(pg_env, "copy_database", "--from", sqlite_env["DATABASE_URL"])
        assert "copied and verified" in out and "audit chain verified" in out
        after = told_by(pg_env)
        assert len(before["complaints"]) == 3 and before["audit_entries"] > 0 and after == before

        with psycopg.connect(pg_url.replace("postgres://", "postgresql://")) as db:
            phones = [r[0] for r in db.execute("SELECT customer_phone FROM complaints_complaint")]
            assert phones and all(p.startswith("k1.") for p in phones)  # still encrypted at rest
            last_id = db.execute("SELECT max(id) FROM complaints_complaint").fetchone()[0]
        line = next(x for x in kesu(pg_env, "shell", "-c", NEXT).splitlines() if x.startswith("NEXT "))
        made = json.loads(line.removeprefix("NEXT "))
        numbers = sorted(before["complaints"])
        assert int(made["number"][-3:]) == int(numbers[-1][-3:]) + 1 and made["id"] > last_id

        refused = subprocess.run([sys.executable, "-m", "kesu", "copy_database", "--from", sqlite_env["DATABASE_URL"]],
                                 env=pg_env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert refused.returncode != 0 and "already holds complaints" in refused.stderr
