"""Registration benchmark (issue: foundation, item 11).

Registration throughput through the domain action ``register_complaint`` with 1,000,000
complaints already in the database, against a raw INSERT of the same rows (a complaint and its
timeline event, one transaction each, plain SQL) on the same database: the ratio is what the
domain rules, numbering, validation and clocks cost.

    .venv/bin/python bench/registration.py --db sqlite
    .venv/bin/python bench/registration.py --db postgres --pg-url postgres://kesu:kesu@127.0.0.1:5432/kesu
    .venv/bin/python bench/registration.py --rows 20000 --registrations 500     # a quick run
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seeding import ROOT, seed, setup


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def domain_run(count: int, now: datetime, varied: bool = False) -> list[float]:
    """The same customer's *major* complaint ``count`` times (the bench's input since 2026-11-30);
    ``varied``: a different customer each time, 非常不满意, as a day's stream mostly is — under P1's
    crisis rules (issue 16) every *major* one alerts the crisis team, legal and brand, and a
    customer's second complaint within 30 days is a repeat, so the fixed input measures the crisis
    path (its alert fanned out by the in-process thread meanwhile), the varied one registration."""
    from dataclasses import replace

    from kesu.complaints.lifecycle import register_complaint
    from kesu.core.registration import RegistrationInput
    from kesu.db.sqlite.base import checkpoint_in_background
    from kesu.org.models import Department, Staff
    from kesu.tasks import heap, yielding

    # The process set up as a `kesu serve` worker sets itself up (kesu/ops/served.py): the loaded
    # app out of the collector's full passes, SQLite's checkpoints in a thread of their own, and
    # work that may wait (suggestions, meaning vectors) waiting while registrations keep coming —
    # each registration here stands for the request that would make it.
    heap.settle_heap()
    checkpoint_in_background()
    yielding.enabled = True
    actor = Staff.objects.get(username="wangkf")
    dept = Department.objects.get(code="after_sales")
    data = RegistrationInput(
        channel="phone", customer_words="保养后发动机故障灯亮，要求免费检修",
        customer_name="马先生", customer_phone="13812345678", level="major", category="repair_quality",
        demands=("repair",), extra={"plate_number": "京A12345"},
    )
    if varied:
        data = replace(data, level="very_dissatisfied")
    timings = []
    for i in range(count):
        one = replace(data, customer_phone=f"139{i:08d}") if varied else data
        yielding.note_request()
        heap.count_request()
        t0 = time.perf_counter()
        register_complaint(actor=actor, now=now, data=one, complained_department=dept)
        timings.append(time.perf_counter() - t0)
    return timings


def raw_run(count: int, now: datetime) -> list[float]:
    """The floor: the same two rows per complaint, by hand, one transaction each."""
    from django.db import connection, transaction

    from kesu.complaints.models import Complaint, ComplaintEvent

    c_fields = [f for f in Complaint._meta.concrete_fields if not f.primary_key]
    cols = ", ".join(connection.ops.quote_name(f.column) for f in c_fields)
    c_sql = f"INSERT INTO {Complaint._meta.db_table} ({cols}) VALUES ({', '.join(['%s'] * len(c_fields))})"
    e_fields = [f for f in ComplaintEvent._meta.concrete_fields if not f.primary_key]
    ecols = ", ".join(connection.ops.quote_name(f.column) for f in e_fields)
    e_sql = f"INSERT INTO {ComplaintEvent._meta.db_table} ({ecols}) VALUES ({', '.join(['%s'] * len(e_fields))})"
    template = Complaint.objects.order_by("-pk").first()
    assert template is not None
    base = {f.name: f.get_db_prep_save(getattr(template, f.attname), connection) for f in c_fields}
    timings = []
    for i in range(count):
        row = dict(base, number=f"RAW{i:09d}")
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(c_sql, [row[f.name] for f in c_fields])
            cur.execute("SELECT MAX(id) FROM " + Complaint._meta.db_table)
            pk = cur.fetchone()[0]
            event = {"complaint": pk, "seq": 1, "at": now, "actor": row["receiver"], "kind": "registered",
                     "from_status": "", "to_status": "registered", "changes": "{}", "reason": ""}
            cur.execute(e_sql, [event[f.name] for f in e_fields])
        timings.append(time.perf_counter() - t0)
    return timings


def summary(name: str, timings: list[float]) -> dict[str, float]:
    total = sum(timings)
    return {"name": name, "per_second": round(len(timings) / total, 1),
            "p50_ms": round(statistics.median(timings) * 1000, 2), "p99_ms": round(percentile(timings, 99) * 1000, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--pg-url")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--registrations", type=int, default=2000)
    ap.add_argument("--varied", action="store_true",
                    help="a different customer each time, not a crisis (see domain_run)")
    args = ap.parse_args()
    if args.db == "postgres" and not args.pg_url:
        ap.error("--pg-url is required for PostgreSQL")
    setup(args.db, args.pg_url)
    now = datetime.now(UTC).replace(microsecond=0)
    t0 = time.perf_counter()
    seed(args.rows, args.rows // 5, now, clocks=False)
    seed_seconds = time.perf_counter() - t0
    domain = summary("domain", domain_run(args.registrations, now, args.varied))
    raw = summary("raw", raw_run(args.registrations, now))
    ratio = round(raw["per_second"] / domain["per_second"], 2)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"registration-{args.db}-{stamp}.json").write_text(json.dumps(
        {"db": args.db, "rows": args.rows, "varied": args.varied, "seed_seconds": seed_seconds, "domain": domain,
         "raw": raw, "ratio": ratio}, indent=2))
    print("\n| database | existing complaints | domain registrations/s | p50 | p99 | raw inserts/s | cost ratio |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {args.db} | {args.rows:,} | {domain['per_second']} | {domain['p50_ms']} ms | {domain['p99_ms']} ms "
          f"| {raw['per_second']} | {ratio}× |")


if __name__ == "__main__":
    main()
