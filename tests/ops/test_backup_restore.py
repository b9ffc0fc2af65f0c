"""Backups restore (docs/deploy.md, Backups): a backup of the running installation — the database
through SQLite's online backup API or pg_dump, the attachments, a manifest — restored into an empty
installation that has only the keys kept apart, holds every complaint with its timeline, clocks,
penalties and personal fields, every file byte for byte, and every audit entry. Without the keys it
is refused before anything is written, and it never overwrites an installation that holds complaints."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.ops.snapshot import make_day, told_by
from tests.servers import ROOT, child_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def kesu(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kesu", *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def keys_of(path: Path) -> dict[str, str]:
    lines = [x for x in path.read_text().splitlines() if x and not x.startswith("#")]
    return dict(x.split("=", 1) for x in lines)


@pytest.fixture
def empty_installation(tmp_path):
    """An installation with nothing in it: its own data folder and, on PostgreSQL, its own database."""
    home = tmp_path / "restored"
    home.mkdir()
    env = {**child_env(), "KESU_DATA_DIR": str(home), "KESU_MEDIA_ROOT": str(home / "media")}
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{home / 'kesu.sqlite3'}"
        yield env
        return
    name = f"kesu_restored_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    s = connection.settings_dict
    env["DATABASE_URL"] = f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{name}"
    yield env
    with connection.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_into_an_empty_installation_with_every_complaint_file_and_entry(
        settings, tmp_path, empty_installation):
    make_day()
    here = child_env(KESU_MEDIA_ROOT=str(settings.MEDIA_ROOT))
    done = kesu(here, "backup", str(tmp_path / "backups"))
    assert done.returncode == 0, done.stderr
    folder = Path(done.stdout.strip().splitlines()[-1])
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["manifest.json", "media.tar", "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump"])
    assert kesu(here, "backup_keys", str(tmp_path / "keys.env")).returncode == 0
    assert (tmp_path / "keys.env").stat().st_mode & 0o777 == 0o600
    assert "SECRET_KEY" not in (folder / "manifest.json").read_text()  # no key travels with the backup

    without_keys = kesu(empty_installation, "restore", str(folder))
    assert without_keys.returncode != 0 and "KESU_FIELD_KEYS" in without_keys.stderr

    restored_env = {**empty_installation, **keys_of(tmp_path / "keys.env")}
    restored = kesu(restored_env, "restore", str(folder))
    assert restored.returncode == 0, restored.stderr
    assert "restored and verified" in restored.stdout
    assert "audit chain verified" in restored.stdout  # the chain checks out over the restored rows

    before, after = told_by(here), told_by(restored_env)
    assert len(before["complaints"]) == 3 and sum(len(c["files"]) for c in before["complaints"].values()) == 2
    assert any(c["penalties"] for c in before["complaints"].values())
    assert before["audit_entries"] > 0  # every registration, step and breach is in the audit chain
    assert after == before
    for c in after["complaints"].values():
        for name, recorded, stored in c["files"]:
            assert recorded == stored, f"{name} differs from what was uploaded"


def test_a_restore_never_overwrites_an_installation_that_holds_complaints(settings, tmp_path):
    make_day()
    here = child_env(KESU_MEDIA_ROOT=str(settings.MEDIA_ROOT))
    done = kesu(here, "backup", str(tmp_path / "backups"))
    folder = Path(done.stdout.strip().splitlines()[-1])
    refused = kesu(here, "restore", str(folder))
    assert refused.returncode != 0 and "already holds complaints" in refused.stderr


def test_an_altered_backup_is_refused(settings, tmp_path, empty_installation):
    make_day()
    here = child_env(KESU_MEDIA_ROOT=str(settings.MEDIA_ROOT))
    folder = Path(kesu(here, "backup", str(tmp_path / "backups")).stdout.strip().splitlines()[-1])
    with (folder / "media.tar").open("ab") as fh:
        fh.write(b"\0" * 512)
    refused = kesu(empty_installation, "restore", str(folder))
    assert refused.returncode != 0 and "media.tar: missing or altered" in refused.stderr
