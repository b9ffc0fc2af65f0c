"""Shared by the benchmarks: a throwaway Kesu database (SQLite file or PostgreSQL) with the P1
policy, the demo organisation and a million realistic complaints, loaded with bulk SQL."""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup(db: str, pg_url: str | None) -> Path:
    work = Path(tempfile.mkdtemp(prefix="kesu-bench-sweep-"))
    os.environ["KESU_DATA_DIR"] = str(work)
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}" if db == "sqlite" else pg_url or ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")
    os.environ["KESU_PASSWORD_HASHERS"] = "django.contrib.auth.hashers.MD5PasswordHasher"
    import django

    django.setup()
    from django.core.management import call_command

    if db == "postgres":  # start from an empty schema
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    return work


def bulk(cur, sql: str, table: str, cols: str, rows: list[list[object]]) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL: COPY (an order of magnitude faster than INSERTs); SQLite: executemany."""
    from django.db import connection

    if connection.vendor != "postgresql":
        cur.executemany(sql, rows)
        return
    with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed(rows: int, open_rows: int, now: datetime, *, clocks: bool = True,
         words: Callable[[int], str] | None = None) -> None:
    """``words``: the customer's words of complaint ``i`` (default: one short fixed text)."""
    from django.db import connection, transaction

    from kesu.clocks.models import ComplaintClock
    from kesu.complaints.models import Complaint, NumberCounter
    from kesu.core.policy.io import PRESETS_DIR
    from kesu.ops.demo import load_demo_organisation
    from kesu.org.models import Department
    from kesu.policies.services import import_and_publish

    version = import_and_publish(text=(PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8"), actor=None,
                                 now=now)
    people = load_demo_organisation(now)
    depts = list(Department.objects.filter(code__in=["after_sales", "sales", "parts"]).values_list("pk", flat=True))
    receiver = people["wangkf"].pk
    rng = random.Random(1)
    open_states = ["assigned", "handling", "solution_agreed", "follow_up", "reopened"]
    levels = ["dissatisfied", "very_dissatisfied", "major", "crisis"]

    from kesu.complaints.fields import EncryptedCharField, blind, encrypt

    c_fields = [f for f in Complaint._meta.concrete_fields if not f.primary_key]
    c_cols = ", ".join(connection.ops.quote_name(f.column) for f in c_fields)
    c_sql = f"INSERT INTO {Complaint._meta.db_table} ({c_cols}) VALUES ({', '.join(['%s'] * len(c_fields))})"
    k_fields = [f for f in ComplaintClock._meta.concrete_fields if not f.primary_key]
    k_cols = ", ".join(connection.ops.quote_name(f.column) for f in k_fields)
    k_sql = f"INSERT INTO {ComplaintClock._meta.db_table} ({k_cols}) VALUES ({', '.join(['%s'] * len(k_fields))})"

    def complaint_row(i: int, is_open: bool) -> list[object]:
        at = now - timedelta(minutes=rng.randint(60, 365 * 24 * 60))
        values = {
            "number": f"B{i:09d}", "policy_version": version.pk, "status": rng.choice(open_states) if is_open
            else "archived", "version": 3, "event_seq": 3, "channel": "phone", "level": rng.choice(levels),
            "category": "repair_quality", "validity": "valid", "is_internal": False, "customer_name": "客户",
            "customer_phone": f"138{i:08d}", "customer_email": "", "customer_region": "", "customer_ref": "",
            "product_name": "", "product_model": "", "order_number": "", "purchase_date": None,
            "customer_words": words(i) if words else "基准测试投诉",
            "occurred_at": None, "occurred_place": "", "amount_involved": None, "demands": "[]", "extra": "{}",
            "receiver": receiver, "location": None, "complained_department": None, "complained_staff": None,
            "department": rng.choice(depts), "owner": None, "registered_at": at, "updated_at": at,
            "updated_by": receiver, "responsible_staff": None, "responsible_department": None,
        }
        values["phone_index"] = blind("phone", str(values["customer_phone"]))  # as the model's pre_save does
        return [(encrypt(str(values[f.name]), f.column) if isinstance(f, EncryptedCharField) else values[f.name])
                if f.name in values else f.get_default() for f in c_fields]

    start = time.perf_counter()
    batch = 20000
    open_every = max(1, rows // open_rows)
    with transaction.atomic(), connection.cursor() as cur:
        for lo in range(0, rows, batch):
            bulk(cur, c_sql, Complaint._meta.db_table, c_cols,
                 [complaint_row(i, i % open_every == 0) for i in range(lo, min(rows, lo + batch))])
        NumberCounter.objects.update_or_create(scope=str(now.year), defaults={"value": rows})
    ids = list(Complaint.objects.order_by("pk").values_list("pk", "status")) if clocks else []
    far = now + timedelta(days=30)
    with transaction.atomic(), connection.cursor() as cur:
        for lo in range(0, len(ids), batch):
            rows_k = []
            for pk, status in ids[lo:lo + batch]:
                running = status != "archived"
                values = {
                    "complaint": pk, "code": "first_response", "name": "初次对应", "mode": "calendar",
                    "target": "30m", "responsible_role": "dept_manager", "started_at": now - timedelta(days=1),
                    "due_at": far if running else now - timedelta(days=1), "warn_at": None, "warned_at": None,
                    "breached_at": None, "stopped_at": None if running else now - timedelta(days=1),
                    "met": None if running else True, "late_seconds": None, "cancelled_at": None, "paused_at": None,
                    "pauses": "[]", "calendar_covered": True, "uncovered_years": "[]", "assist_department": None,
                }
                rows_k.append([values[f.name] for f in k_fields])
            bulk(cur, k_sql, ComplaintClock._meta.db_table, k_cols, rows_k)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"seeded {rows:,} complaints{' and their clocks' if clocks else ''} in {time.perf_counter() - start:.1f} s",
          flush=True)
