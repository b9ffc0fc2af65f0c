"""The monthly analysis report over 1,000,000 complaints (issue: reports, item 6 — target ≤ 2 s on
SQLite and PostgreSQL): every figure an aggregate query (kesu.reports.figures).

    .venv/bin/python bench/monthly_report.py --db sqlite
    .venv/bin/python bench/monthly_report.py --db postgres --pg-url postgres://kesu:kesu@127.0.0.1:5432/kesu
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from seeding import seed, setup


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--pg-url")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--timeline", action="store_true",
                    help="also give each closed complaint a returned result, a return visit and every tenth a rating "
                         "(the report's visit, return-visit-rate and rating figures read these events)")
    args = ap.parse_args()
    setup(args.db, args.pg_url)
    now = datetime.now(UTC).replace(microsecond=0)
    seed(args.rows, args.rows // 5, now)
    if args.timeline:
        timeline()

    from django.utils import timezone

    from kesu.reports import figures

    today = timezone.localtime(now).date()
    months = [figures.month(today.year if today.month > 1 else today.year - 1, (today.month - 2) % 12 + 1),
              figures.month(today.year, today.month)]
    for period in months:
        timings = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            r = figures.build(period)
            timings.append(time.perf_counter() - t0)
        print(f"| {args.db} | {args.rows:,} | {period.start:%Y-%m} | {r.received:,} received, "
              f"{sum(row['total'] for row in r.on_time):,} clocks decided | median {statistics.median(timings):.2f} s "
              f"| max {max(timings):.2f} s |", flush=True)


def timeline() -> None:
    """Three or four events per closed complaint, with bulk SQL (the seeding writes none)."""
    import json

    from django.db import connection, transaction
    from seeding import bulk

    from kesu.complaints.models import Complaint, ComplaintEvent

    fields = [f for f in ComplaintEvent._meta.concrete_fields if not f.primary_key]
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {ComplaintEvent._meta.db_table} ({cols}) VALUES ({', '.join(['%s'] * len(fields))})"
    closed = Complaint.objects.filter(status="archived").values_list("pk", "registered_at", "receiver_id")
    t0 = time.perf_counter()
    n = 0
    with transaction.atomic(), connection.cursor() as cur:
        batch: list[list[object]] = []
        for pk, at, actor in closed.iterator(chunk_size=20000):
            events = [("return_result", at + timedelta(hours=2), {}), ("record_satisfied", at + timedelta(days=1), {})]
            if pk % 10 == 0:
                events.append(("customer_rating", at + timedelta(days=2), {"score": [None, 4]}))
            for seq, (kind, when, changes) in enumerate(events, start=2):
                values = {"complaint": pk, "seq": seq, "at": when, "actor": actor, "kind": kind, "from_status": "",
                          "to_status": "", "changes": json.dumps(changes), "reason": ""}
                batch.append([values[f.name] for f in fields])
            if len(batch) >= 20000:
                bulk(cur, sql, ComplaintEvent._meta.db_table, cols, batch)
                n, batch = n + len(batch), []
        bulk(cur, sql, ComplaintEvent._meta.db_table, cols, batch)
        n += len(batch)
        cur.execute("ANALYZE")
    print(f"added {n:,} timeline events in {time.perf_counter() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
