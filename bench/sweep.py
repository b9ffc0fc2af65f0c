"""Clock-sweep benchmark (issue: clocks, item 9).

1,000,000 complaints of which 200,000 are open, each open one with a running clock and each
closed one with a stopped clock. The sweep is timed with 0, 100 and 10,000 clocks due; its cost
must follow the due clocks, not the open complaints. The query plan of the sweep's candidate
query is printed to show it uses the partial index ``clock_due_open``.

    .venv/bin/python bench/sweep.py --db sqlite
    .venv/bin/python bench/sweep.py --db postgres --pg-url postgres://kesu:kesu@127.0.0.1:5432/kesu
    .venv/bin/python bench/sweep.py --db sqlite --rows 50000 --open 10000   # a quick run

Results go to bench/results/sweep-<db>-<stamp>.json and a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
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


def seed(rows: int, open_rows: int, now: datetime) -> None:
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
            "customer_phone": f"138{i:08d}", "customer_region": "", "customer_ref": "", "product_name": "",
            "product_model": "", "order_number": "", "purchase_date": None, "customer_words": "基准测试投诉",
            "occurred_at": None, "occurred_place": "", "amount_involved": None, "demands": "[]", "extra": "{}",
            "receiver": receiver, "location": None, "complained_department": None, "complained_staff": None,
            "department": rng.choice(depts), "owner": None, "registered_at": at, "updated_at": at,
            "updated_by": receiver,
        }
        return [values[f.name] for f in c_fields]

    start = time.perf_counter()
    batch = 20000
    open_every = max(1, rows // open_rows)
    with transaction.atomic(), connection.cursor() as cur:
        for lo in range(0, rows, batch):
            cur.executemany(c_sql, [complaint_row(i, i % open_every == 0) for i in range(lo, min(rows, lo + batch))])
        NumberCounter.objects.update_or_create(scope=str(now.year), defaults={"value": rows})
    ids = list(Complaint.objects.order_by("pk").values_list("pk", "status"))
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
                    "pauses": "[]", "calendar_covered": True, "uncovered_years": "[]",
                }
                rows_k.append([values[f.name] for f in k_fields])
            cur.executemany(k_sql, rows_k)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"seeded {rows:,} complaints ({sum(1 for _, s in ids if s != 'archived'):,} open) and their clocks "
          f"in {time.perf_counter() - start:.1f} s", flush=True)


def query_plan(now: datetime) -> str:
    from django.db import connection

    from kesu.clocks.models import DUE_CANDIDATE, ComplaintClock

    qs = ComplaintClock.objects.filter(DUE_CANDIDATE, due_at__lte=now).order_by("due_at").values_list("pk")
    sql, params = qs.query.sql_with_params()
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cur:
        cur.execute(prefix + sql, params)
        return "\n".join(" ".join(str(c) for c in row) for row in cur.fetchall())


def make_due(count: int, now: datetime) -> None:
    from kesu.clocks.models import DUE_CANDIDATE, ComplaintClock

    ids = list(ComplaintClock.objects.filter(DUE_CANDIDATE).values_list("pk", flat=True)[:count])
    for lo in range(0, len(ids), 5000):
        ComplaintClock.objects.filter(pk__in=ids[lo:lo + 5000]).update(due_at=now - timedelta(seconds=1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--pg-url")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--open", type=int, default=200_000)
    ap.add_argument("--due", default="0,100,10000")
    args = ap.parse_args()
    if args.db == "postgres" and not args.pg_url:
        ap.error("--pg-url is required for PostgreSQL")

    setup(args.db, args.pg_url)
    now = datetime.now(UTC).replace(microsecond=0)
    seed(args.rows, args.open, now)
    from kesu.clocks.sweep import sweep

    plan = query_plan(now)
    print("query plan of the sweep's candidate query:\n" + plan, flush=True)
    results = []
    for count in (int(x) for x in args.due.split(",")):
        make_due(count, now)
        t0 = time.perf_counter()
        outcome = sweep(now=now)
        elapsed = time.perf_counter() - t0
        results.append({"due": count, "seconds": round(elapsed, 4), "breached": outcome.breached,
                        "per_clock_ms": round(elapsed / count * 1000, 3) if count else None})
        print(f"due={count:>6}: {elapsed:8.3f} s  ({outcome})", flush=True)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"sweep-{args.db}-{stamp}.json").write_text(json.dumps(
        {"db": args.db, "rows": args.rows, "open": args.open, "plan": plan, "results": results}, indent=2))
    print("\n| database | complaints | open | due clocks | sweep time | per due clock |\n|---|---|---|---|---|---|")
    for r in results:
        per = f"{r['per_clock_ms']} ms" if r["per_clock_ms"] else "—"
        print(f"| {args.db} | {args.rows:,} | {args.open:,} | {r['due']:,} | {r['seconds']:.3f} s | {per} |")


if __name__ == "__main__":
    main()
