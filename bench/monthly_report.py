"""The monthly analysis report over 1,000,000 complaints (issue: reports, item 6 — target ≤ 2 s on
SQLite and PostgreSQL): every figure an aggregate query (kesu.reports.figures).

    .venv/bin/python bench/monthly_report.py --db sqlite
    .venv/bin/python bench/monthly_report.py --db postgres --pg-url postgres://kesu:kesu@127.0.0.1:5432/kesu
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

from seeding import seed, setup


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--pg-url")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    setup(args.db, args.pg_url)
    now = datetime.now(UTC).replace(microsecond=0)
    seed(args.rows, args.rows // 5, now)

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
              f"{r.clocks['total']:,} clocks decided (met or missed) | median {statistics.median(timings):.2f} s "
              f"| max {max(timings):.2f} s |", flush=True)


if __name__ == "__main__":
    main()
