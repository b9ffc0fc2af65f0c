"""Backups you can restore, and the move from the embedded SQLite file to PostgreSQL (docs/deploy.md).

* ``inventory()`` — what an installation holds, table by table: the row count and a digest of every
  row as Kesu reads it (personal fields decrypted, times in UTC, numbers as decimals), taken in no
  particular order so both databases give the same digest; and every attachment's file checked
  against its recorded SHA-256. Two installations with equal inventories hold the same complaints,
  timelines, clocks, personal data and files.
* ``backup(dest)`` — the database (SQLite: the online backup API, a consistent copy while Kesu runs;
  PostgreSQL: ``pg_dump --format=custom``), then the attachments (``media.tar``), and a manifest with
  the inventory and the checksums. **No key is in it**: ``key_file()`` writes the keys apart
  (KESU_SECRET_KEY, KESU_FIELD_KEYS, KESU_BLIND_INDEX_KEY), to be kept elsewhere — a backup together
  with its keys is the customers' personal data in clear for whoever holds both.
* ``restore(src)`` — into an empty installation of the same engine: the checksums first, the keys
  (the backup's key ids must be among the configured ones, or the personal fields would not decrypt),
  then the database and the files, and at the end the restored inventory must equal the manifest's.
* ``copy_database(source_url)`` — an existing SQLite installation into the configured (migrated,
  empty) PostgreSQL database, in one transaction: every row of every table read as Kesu reads it and
  written as Kesu writes it, the sequences moved past the highest ids, the search index rebuilt; the
  target's inventory must equal the source's before it commits.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dj_database_url
from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connection, connections, models, transaction

FORMAT = 1


class BackupError(RuntimeError):
    pass


# --- inventory --------------------------------------------------------------------------------------

def kesu_models() -> list[type[models.Model]]:
    """Every table Django manages (Kesu's apps, accounts, tokens, sessions …), m2m tables included."""
    return sorted((m for m in apps.get_models(include_auto_created=True)
                   if m._meta.managed and not m._meta.proxy), key=lambda m: m._meta.db_table)


def _norm(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, memoryview | bytes | bytearray):
        return hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return value


def _rows(model: type[models.Model], using: str, chunk: int = 2000) -> Iterator[tuple[Any, ...]]:
    names = [f.attname for f in model._meta.concrete_fields]
    yield from model._base_manager.using(using).order_by().values_list(*names).iterator(chunk_size=chunk)


def table_digest(model: type[models.Model], using: str = "default") -> dict[str, Any]:
    hashes = sorted(hashlib.sha256(repr(tuple(_norm(v) for v in row)).encode()).digest()
                    for row in _rows(model, using))
    return {"rows": len(hashes), "sha256": hashlib.sha256(b"".join(hashes)).hexdigest()}


def files_check(using: str = "default") -> dict[str, Any]:
    """Every attachment's file present with the content its row recorded."""
    from kesu.complaints.models import Attachment

    missing, altered, count = [], [], 0
    for name, sha in Attachment.objects.using(using).order_by("pk").values_list("file", "sha256").iterator():
        count += 1
        try:
            with default_storage.open(name, "rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
        except FileNotFoundError:
            missing.append(name)
            continue
        if digest != sha:
            altered.append(name)
    return {"attachments": count, "missing": missing, "altered": altered}


def inventory(using: str = "default", *, with_files: bool = True) -> dict[str, Any]:
    tables = {m._meta.db_table: table_digest(m, using) for m in kesu_models()}
    result: dict[str, Any] = {"tables": tables}
    if with_files:
        result["files"] = files_check(using)
    return result


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    out = []
    for table in sorted(set(a["tables"]) | set(b["tables"])):
        x, y = a["tables"].get(table), b["tables"].get(table)
        if x != y:
            out.append(f"{table}: {x} ≠ {y}")
    for key in ("missing", "altered"):
        if b.get("files", {}).get(key):
            out.append(f"files {key}: {', '.join(b['files'][key][:5])}")
    return out


def summary(inv: dict[str, Any]) -> dict[str, int]:
    t = inv["tables"]
    found = {"complaints": t.get("complaints_complaint", {}).get("rows", 0),
             "events": t.get("complaints_complaintevent", {}).get("rows", 0),
             "attachments": inv.get("files", {}).get("attachments", 0)}
    audit = [name for name in t if name.startswith("audit_")]
    if audit:
        found["audit entries"] = sum(t[name]["rows"] for name in audit)
    return found


# --- keys -------------------------------------------------------------------------------------------

def key_ids() -> dict[str, Any]:
    """Fingerprints (never the keys): the field keys' ids, the blind index key's hash, the audit keys' ids."""
    from kesu.complaints.fields import index_key, keys

    ids: dict[str, Any] = {"field_keys": sorted(keys().by_id), "newest": keys().newest,
                           "blind_index": hashlib.sha256(index_key()).hexdigest()[:16]}
    if apps.is_installed("kesu.audit"):
        from kesu.audit import keys as audit_keys

        ids["audit"] = sorted(audit_keys.all_keys())
    return ids


def key_file(path: Path) -> None:
    """The key material as environment lines (mode 0600), for a place apart from the backups."""
    from kesu.complaints.fields import default_field_key

    field_keys = [default_field_key() if k == "default" else k for k in settings.KESU_FIELD_KEYS]
    lines = ["# Kesu key material: keep it apart from the backups (docs/deploy.md, Backups).",
             f"# written {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; "
             f"field key ids {', '.join(key_ids()['field_keys'])}",
             f"KESU_SECRET_KEY={settings.SECRET_KEY}",
             f"KESU_FIELD_KEYS={','.join(field_keys)}"]
    if settings.KESU_BLIND_INDEX_KEY:
        lines.append(f"KESU_BLIND_INDEX_KEY={settings.KESU_BLIND_INDEX_KEY}")
    for name in ("KESU_AUDIT_KEY", "KESU_AUDIT_OLD_KEYS"):  # the audit chain's (else derived from the secret key)
        value = str(getattr(settings, name, "") or os.environ.get(name, ""))
        if value:
            lines.append(f"{name}={value}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


# --- backup and restore -----------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _pg_env(conf: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["--host", str(conf.get("HOST") or "127.0.0.1"), "--port", str(conf.get("PORT") or 5432),
            "--username", str(conf.get("USER") or "postgres"), "--dbname", str(conf["NAME"])]
    return args, {**os.environ, "PGPASSWORD": str(conf.get("PASSWORD") or "")}


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore of the server's major version where Debian keeps several."""
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client)")
    return found


def backup(dest: Path, *, now: dt.datetime, log: Callable[[str], None] = print) -> Path:
    """Write one backup folder under ``dest``; return it."""
    folder = dest / f"kesu-backup-{now:%Y%m%d-%H%M%S}"
    folder.mkdir(parents=True)
    folder.chmod(0o700)
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        target = folder / "database.sqlite3"
        source = sqlite3.connect(conf["NAME"])
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # consistent while Kesu writes (SQLite's online backup API)
        finally:
            copy.close()
            source.close()
        alias = open_source(f"sqlite:///{target}")  # the inventory of the copy itself, not of the live file
        try:
            inv = inventory(alias)
        finally:
            close_source(alias)
    else:
        target = folder / "database.pgdump"
        args, env = _pg_env(conf)
        # pg_dump and the inventory read one snapshot: the manifest describes exactly what the dump holds
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            subprocess.run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl", "--file", str(target),
                            f"--snapshot={snapshot}", *args], env=env, check=True)
            inv = inventory()
    log(f"database → {target.name}")
    # the files after the database: every file a backed-up row names was written before its row
    media = folder / "media.tar"
    with tarfile.open(media, "w") as tar:
        root = Path(settings.MEDIA_ROOT)
        if root.exists():
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    tar.add(path, arcname=str(path.relative_to(root)), recursive=False)
    log(f"attachments → {media.name}")
    manifest = {"format": FORMAT, "engine": connection.vendor, "created_at": now.isoformat(),
                "files": {p.name: _sha256(p) for p in (target, media)}, "keys": key_ids(), "inventory": inv,
                "summary": summary(inv)}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{folder} holds no manifest.json: not a Kesu backup") from None
    for name, digest in manifest["files"].items():
        if not (folder / name).exists() or _sha256(folder / name) != digest:
            raise BackupError(f"{name}: missing or altered since the backup (checksum differs)")
    return manifest


def installation_is_empty() -> bool:
    from kesu.complaints.models import Complaint

    try:
        return not Complaint.objects.exists()
    except Exception:  # not migrated: empty too
        return True


def restore(folder: Path, *, force: bool = False, log: Callable[[str], None] = print) -> dict[str, Any]:
    manifest = read_manifest(folder)
    if manifest["engine"] != connection.vendor:
        raise BackupError(f"this backup is of {manifest['engine']}, this installation runs {connection.vendor}: "
                          "restore it into the same engine, then move with copy_database")
    have = key_ids()
    lacking = set(manifest["keys"]["field_keys"]) - set(have["field_keys"])
    if lacking:
        raise BackupError(f"the personal fields of this backup need field keys {', '.join(sorted(lacking))}, which "
                          "KESU_FIELD_KEYS does not hold: set the keys kept apart from the backups (backup_keys) first")
    if set(manifest["keys"].get("audit", [])) - set(have.get("audit", [])):
        raise BackupError("the audit chain of this backup was written under KESU_AUDIT_KEY (or a secret key) this "
                          "installation does not have: set the keys kept apart from the backups first")
    if manifest["keys"]["blind_index"] != have["blind_index"]:
        raise BackupError("KESU_BLIND_INDEX_KEY (or the secret key it derives from) differs from the backup's: "
                          "set the keys kept apart from the backups first")
    if not force and not installation_is_empty():
        raise BackupError("this installation already holds complaints: restore into an empty one (or --force)")
    conf = connection.settings_dict
    connection.close()
    if manifest["engine"] == "sqlite":
        source = sqlite3.connect(folder / "database.sqlite3")
        target = sqlite3.connect(conf["NAME"])
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        args, env = _pg_env(conf)
        subprocess.run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-acl",
                        "--single-transaction", *args, str(folder / "database.pgdump")], env=env, check=True)
    log("database restored")
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / "media.tar") as tar:
        tar.extractall(root, filter="data")  # refuses absolute paths and ".." members
    log("attachments restored")
    found = inventory()
    wrong = differences(manifest["inventory"], found)
    if wrong:
        raise BackupError("the restored installation differs from the backup: " + "; ".join(wrong[:10]))
    return {**summary(found), **audit_chain()}


def audit_chain() -> dict[str, Any]:
    """The audit chain verified over the data now in place (kesu.audit.verify), when the app is there."""
    if not apps.is_installed("kesu.audit"):
        return {}
    from kesu.audit.verify import verify

    report = verify()
    if not report.ok:
        raise BackupError(f"the audit chain does not verify: {'; '.join(str(p) for p in report.problems[:5])}")
    return {"audit chain": "verified"}


# --- SQLite → PostgreSQL ----------------------------------------------------------------------------

SOURCE = "kesu_copy_source"


def open_source(url: str) -> str:
    parsed = dj_database_url.parse(url)
    if parsed["ENGINE"] != "django.db.backends.sqlite3":
        raise BackupError("--from takes the SQLite installation's URL (sqlite:////path/kesu.sqlite3)")
    if not Path(parsed["NAME"]).exists():
        raise BackupError(f"{parsed['NAME']} does not exist")
    conf = {**connections["default"].settings_dict, **parsed, "ENGINE": "kesu.db.sqlite", "CONN_MAX_AGE": 0,
            "OPTIONS": {"init_command": "PRAGMA foreign_keys=ON;"}, "AUTOCOMMIT": True,
            "TEST": {"CHARSET": None, "COLLATION": None, "MIGRATE": True, "MIRROR": None, "NAME": None}}
    alias = f"{SOURCE}_{uuid.uuid4().hex[:8]}"
    connections.settings[alias] = conf
    return alias


def close_source(alias: str) -> None:
    connections[alias].close()
    del connections[alias]
    del connections.settings[alias]


def applied_migrations(alias: str) -> set[tuple[str, str]]:
    from django.db.migrations.recorder import MigrationRecorder

    return set(MigrationRecorder(connections[alias]).applied_migrations())


def copy_database(source_url: str, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise BackupError("copy_database writes into PostgreSQL: set DATABASE_URL=postgres://… (migrated, empty)")
    source = open_source(source_url)
    try:
        if applied_migrations(source) != applied_migrations("default"):
            raise BackupError("the SQLite installation and PostgreSQL are not at the same migrations: run "
                              "`python -m kesu migrate` against both with this version of Kesu first")
        if not installation_is_empty():
            raise BackupError("PostgreSQL already holds complaints: copy into an empty (freshly migrated) database")
        before = inventory(source, with_files=False)
        tables = kesu_models()
        with transaction.atomic(), connection.cursor() as cur:
            # migrate made the content types, permissions and the like: the source's rows replace them
            # (same ids, so every reference to them holds). Foreign keys are checked at commit.
            names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
            cur.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            for model in tables:
                n = _copy_table(model, source, cur)
                if n:
                    log(f"{model._meta.db_table}: {n}")
            for sql in connection.ops.sequence_reset_sql(no_style(), tables):
                cur.execute(sql)
            from kesu.complaints import search

            search.rebuild()
            after = inventory(with_files=False)
            wrong = differences(before, after)
            if wrong:
                raise BackupError("the copy differs from the source: " + "; ".join(wrong[:10]))
            chain = audit_chain()  # in the copy's own transaction: nothing is committed unless it verifies
        return {**summary({**after, "files": files_check()}), **chain}
    finally:
        close_source(source)


def _copy_table(model: type[models.Model], source: str, cur: Any) -> int:
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
    count, batch = 0, []
    for row in _rows(model, source):
        # read as Kesu reads it (decrypted, parsed), written as Kesu writes it (encrypted again, adapted)
        batch.append([f.get_db_prep_save(v, connection=connection) for f, v in zip(fields, row, strict=True)])
        if len(batch) >= 1000:
            cur.executemany(sql, batch)
            count += len(batch)
            batch = []
    if batch:
        cur.executemany(sql, batch)
        count += len(batch)
    return count
