"""Server time of the staff pages with 1,000,000 complaints stored (issue: staff web interface,
item 6 — target p99 ≤ 100 ms on SQLite and PostgreSQL).

Seeds the database as the other benchmarks do (200,000 open complaints, each with a running
clock), makes 2,000 clocks due within the next two hours and 1,000 breached, then times each
work-queue tab and the complaint detail page through Django's test client — the whole request:
middleware, session, queries, template. Reported per page: p50, p99, max, queries per request.

    .venv/bin/python bench/pages.py --db sqlite
    .venv/bin/python bench/pages.py --db postgres --pg-url postgres://kesu:kesu@127.0.0.1:5432/kesu
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from seeding import ROOT, seed, setup


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def explain(login: str, urls: list[str]) -> None:
    """The plans of the statements over the complaints a page of ``login``'s runs (SQLite's EXPLAIN
    QUERY PLAN, PostgreSQL's EXPLAIN ANALYZE): which index each way of the queue reads."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kesu.org.models import Staff

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(Staff.objects.get(username=login))
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        for q in ctx.captured_queries:
            sql = q["sql"]
            if not sql.startswith("SELECT") or '"complaints_complaint"' not in sql.split(" WHERE ")[0] + sql[:80]:
                continue
            print(f"\n{url} ({q['time']} s): {sql[:160]} …")
            vendor = connection.vendor
            with connection.cursor() as cur:
                cur.execute(("EXPLAIN QUERY PLAN " if vendor == "sqlite" else "EXPLAIN (ANALYZE, COSTS OFF) ") + sql)
                for row in cur.fetchall():
                    line = row[-1]
                    if vendor != "sqlite" or "complaints_complaint" in line or "COMPOUND" in line or "UNION" in line:
                        print("   ", line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--pg-url")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--units", type=int, default=0, help="issue 18: spread over this many business units (50)")
    ap.add_argument("--versions", type=int, default=50, help="with --units: published policy versions")
    ap.add_argument("--explain", action="store_true",
                    help="with --units: print the plans of the store person's queue statements and stop")
    args = ap.parse_args()
    if args.db == "postgres" and not args.pg_url:
        ap.error("--pg-url is required for PostgreSQL")
    setup(args.db, args.pg_url)
    now = datetime.now(UTC).replace(microsecond=0)
    seed(args.rows, args.rows // 5, now)
    if args.units:
        from units import QUIET_PERSON, STORE_PERSON, add_units

        print(add_units(args.units, args.versions, now), flush=True)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kesu.clocks.models import ComplaintClock
    from kesu.complaints.models import Complaint
    from kesu.org.models import Staff

    running = list(ComplaintClock.objects.filter(stopped_at__isnull=True).values_list("pk", flat=True)[:3000])
    ComplaintClock.objects.filter(pk__in=running[:2000]).update(due_at=now + timedelta(minutes=90))
    ComplaintClock.objects.filter(pk__in=running[2000:]).update(due_at=now - timedelta(hours=1),
                                                                  breached_at=now - timedelta(minutes=59))
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    open_numbers = list(Complaint.objects.exclude(status="archived").values_list("number", flat=True)[:5000])
    rng = random.Random(7)
    pages: list[tuple[str, str, list[str]]] = [
        ("queue: mine (agent, 200k open)", "wangkf", ["/queue/?q=mine"]),
        ("queue: department (manager)", "lijl", ["/queue/?q=department"]),
        ("queue: due soon (CS manager)", "zhoujl", ["/queue/?q=due_soon"]),
        ("queue: breached (CS manager)", "zhoujl", ["/queue/?q=breached"]),
        ("queue: all, page 50 (GM)", "zhangzong", ["/queue/?q=all&page=50"]),
        ("complaint detail (GM)", "zhangzong", [f"/c/{n}/" for n in open_numbers]),
    ]
    if args.units:  # seen by unit: a store's CS agent and department manager
        # open and closed alike: with ids spread over the units by their remainder, the seeding's every
        # fifth complaint open can miss the last store entirely
        store_numbers = list(Complaint.objects.filter(unit__code=f"u{args.units - 1:03d}")
                             .values_list("number", flat=True)[:2000])
        pages += [("queue: all (store person, by unit)", STORE_PERSON, ["/queue/?q=all"]),
                  ("queue: department (store person)", STORE_PERSON, ["/queue/?q=department"]),
                  ("complaint detail (store person)", STORE_PERSON, [f"/c/{n}/" for n in store_numbers]),
                  ("queue: all (a store opened today, no case yet)", QUIET_PERSON, ["/queue/?q=all"])]
    if args.explain and args.units:
        explain(STORE_PERSON, ["/queue/?q=all", "/queue/?q=department"])
        return
    from kesu.tasks.heap import count_request, settle_heap

    settle_heap()  # as each `kesu serve` worker does once it has loaded the app (and count_request later)
    results = []
    for name, login, urls in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(Staff.objects.get(username=login))
        client.get(urls[0])  # warm: templates, policy cache
        timings, cpu, queries = [], [], []
        for _ in range(args.requests):
            url = rng.choice(urls)
            with CaptureQueriesContext(connection) as ctx:
                t0, c0 = time.perf_counter(), time.process_time()
                count_request()
                response = client.get(url)
                timings.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            assert response.status_code == 200, (url, response.status_code)
            queries.append(len(ctx.captured_queries))
        results.append({"page": name, "p50_ms": round(statistics.median(timings) * 1000, 1),
                        "p99_ms": round(percentile(timings, 99) * 1000, 1), "max_ms": round(max(timings) * 1000, 1),
                        "queries": max(queries), "cpu_p50_ms": round(statistics.median(cpu) * 1000, 1),
                        "cpu_p99_ms": round(percentile(cpu, 99) * 1000, 1)})
        print(results[-1], flush=True)

    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"pages-{args.db}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json").write_text(json.dumps(results, indent=2))
    # the CPU this process spent per request: what other jobs on the machine distort far less than the wall time
    print(f"\n| page ({args.db}, {args.rows:,} complaints) | p50 | p99 | max | queries | CPU p50 / p99 |\n"
          "|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['page']} | {r['p50_ms']} ms | {r['p99_ms']} ms | {r['max_ms']} ms | {r['queries']} "
              f"| {r['cpu_p50_ms']} / {r['cpu_p99_ms']} ms |")


if __name__ == "__main__":
    main()
