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
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seeding import ROOT, seed, setup


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
    ap.add_argument("--units", type=int, default=0, help="issue 18: spread over this many business units (50)")
    ap.add_argument("--versions", type=int, default=50, help="with --units: published policy versions")
    args = ap.parse_args()
    if args.db == "postgres" and not args.pg_url:
        ap.error("--pg-url is required for PostgreSQL")

    setup(args.db, args.pg_url)
    now = datetime.now(UTC).replace(microsecond=0)
    seed(args.rows, args.open, now)
    if args.units:  # the clocks' complaints over the units and their versions
        from units import add_units

        print(add_units(args.units, args.versions, now), flush=True)
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
