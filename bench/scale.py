"""Scale benchmark of the production topology (issue 19, docs/deploy.md): PostgreSQL, Redis, Celery.

1. **API creation throughput** with two web worker processes per core (``kesu serve --workers
   2×cores``), background work on Celery (each registration's notices go to Redis after commit),
   8 clients on 127.0.0.1, each request a new complaint.
2. **The clock sweep's lag when 10,000 clocks fall due at once** (P1's first-contact clocks at a busy
   hour): the clocks of 10,000 open complaints are set to fall due at the same instant; beat sends the
   sweep every KESU_SWEEP_SECONDS (20 s) to the ``clocks`` workers. Measured from the database: when
   the first and the last breach were booked, and each breach's delay after its due time (the time
   for a breach to show), p50 / p99 / max; then how long the notification outbox took to drain to the
   SMTP server.

    .venv/bin/python bench/scale.py                       # its own throwaway PostgreSQL and Redis
    .venv/bin/python bench/scale.py --rows 200000 --open 40000 --due 10000 --clock-workers 2

Results go to bench/results/scale-<stamp>.json and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seeding import ROOT, seed, setup

sys.path.insert(0, str(ROOT))


def wait_http(port: int, path: str, timeout: float) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"port {port} never answered {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pg-url", help="an empty PostgreSQL database (default: a throwaway cluster of its own)")
    ap.add_argument("--rows", type=int, default=100_000, help="complaints stored before the run")
    ap.add_argument("--open", type=int, default=20_000, help="of which open, each with a running clock")
    ap.add_argument("--due", type=int, default=10_000, help="clocks that fall due at the same instant")
    ap.add_argument("--creates", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--web-per-core", type=int, default=2)
    ap.add_argument("--clock-workers", type=int, default=1, help="processes consuming the clocks queue")
    ap.add_argument("--sweep-seconds", type=int, default=20)
    args = ap.parse_args()
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP line otherwise

    from tests.servers import free_port
    from tests.topology.cluster import SmtpSink, Topology, postgres_cluster, private_redis

    results: dict[str, object] = {"machine": f"{os.cpu_count()} cores, shared with other work (load: "
                                             f"{os.getloadavg()[0]:.1f})", "args": vars(args)}
    with ExitStack() as stack:
        pg_url = args.pg_url or stack.enter_context(postgres_cluster())
        tmp = Path(tempfile.mkdtemp(prefix="kesu-scale-"))
        redis_url = stack.enter_context(private_redis(tmp))
        smtp = stack.enter_context(SmtpSink())
        os.environ.update(KESU_TASK_BACKEND="celery", KESU_CELERY_BROKER_URL=f"{redis_url}/0",
                          KESU_REDIS_URL=f"{redis_url}/1", KESU_EMAIL_HOST="127.0.0.1",
                          KESU_EMAIL_PORT=str(smtp.port), KESU_SWEEP_SECONDS=str(args.sweep_seconds))
        work = setup("postgres", pg_url)
        now = datetime.now(UTC).replace(microsecond=0)
        t0 = time.perf_counter()
        seed(args.rows, args.open, now)
        results["seed_s"] = round(time.perf_counter() - t0, 1)

        from django.db import connection
        from rest_framework.authtoken.models import Token

        from kesu.clocks.calendar import seed_missing_years
        from kesu.org.models import Staff

        seed_missing_years(now)
        for s in Staff.objects.all():  # every notice also goes out by e-mail
            s.email = f"{s.username}@kesu.test"
            s.save(update_fields=["email"])
        token = Token.objects.get_or_create(user=Staff.objects.get(username="wangkf"))[0].key
        connection.close()

        env = {**os.environ, "PYTHONPATH": str(ROOT), "KESU_DATA_DIR": str(work), "DATABASE_URL": pg_url}
        topo = Topology(env, tmp)
        stack.callback(topo.stop)
        web_port = free_port()
        workers = args.web_per_core * (os.cpu_count() or 2)
        topo.start("web", "serve", "--port", str(web_port), "--workers", str(workers))
        wait_http(web_port, "/healthz", 60)

        # --- 1. API creation throughput
        from api_create import run

        api = run(web_port, token, args.creates, args.clients)
        api["web_workers"] = workers
        results["api_create"] = api
        print(f"API: {api['per_second']} creates/s with {workers} web processes "
              f"(p50 {api['p50_ms']} ms, p99 {api['p99_ms']} ms, {api['errors']} errors)", flush=True)

        # --- 2. 10,000 clocks due at one instant
        from kesu.clocks.models import DUE_CANDIDATE, ComplaintClock

        ids = list(ComplaintClock.objects.filter(DUE_CANDIDATE, code="first_response")
                   .order_by("pk").values_list("pk", flat=True)[:args.due])
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=45)
        for lo in range(0, len(ids), 5000):
            ComplaintClock.objects.filter(pk__in=ids[lo:lo + 5000]).update(due_at=due, warn_at=None)
        connection.close()
        # the mail goes out in phase 2 only: the SMTP sink shares this process (and its GIL) with the clients
        topo.start("worker-notifications", "worker", "notifications", "--concurrency", "2")
        topo.start("beat", "beat", "--schedule", str(tmp / "beat-schedule"))
        for i in range(args.clock_workers):
            topo.start(f"worker-clocks-{i}", "worker", "clocks", "--pool", "solo", "--name", f"clocks-{i}")
        mails_before = len(smtp.messages)
        # A breach shows when its transaction commits; breached_at is the sweep's own ``now`` (its
        # start), so each clock's delay is taken from when a poll first sees it booked.
        seen: dict[int, float] = {}
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline and len(seen) < len(ids):
            with connection.cursor() as cur:
                cur.execute("SELECT id FROM clocks_complaintclock WHERE id = ANY(%s) AND breached_at IS NOT NULL",
                            [ids])
                booked = [r[0] for r in cur.fetchall()]
            t = (datetime.now(UTC) - due).total_seconds()
            for pk in booked:
                seen.setdefault(pk, t)
            time.sleep(0.5)
        delays = sorted(seen.values())
        count = len(delays)

        def pct(p: float) -> float:
            return round(delays[min(count - 1, int(p * (count - 1)))], 1) if delays else float("nan")

        booked_first = pct(0.0)
        booked_all = round(delays[-1], 1) if count == len(ids) else None
        p50, p99, worst = pct(0.5), pct(0.99), pct(1.0)
        drain_start = time.monotonic()
        while time.monotonic() - drain_start < 1200:
            with connection.cursor() as cur:
                cur.execute("SELECT count(*) FROM notifications_outboundemail WHERE state IN ('pending', 'sending')")
                if cur.fetchone()[0] == 0:
                    break
            time.sleep(1)
        results["sweep"] = {
            "due_at_once": len(ids), "booked": count, "first_booked_after_due_s": booked_first,
            "all_booked_after_due_s": booked_all, "breach_shows_after_due_p50_s": p50, "p99_s": p99, "max_s": worst,
            "outbox_drained_after_all_booked_s": round(time.monotonic() - drain_start, 1),
            "emails_sent": len(smtp.messages) - mails_before, "clock_workers": args.clock_workers,
        }
        print(f"sweep: {json.dumps(results['sweep'])}", flush=True)

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"scale-{stamp}.json").write_text(json.dumps(results, indent=2, default=str))
    s = results["sweep"]
    print("\n| creates/s | p50 | p99 | web processes | clocks due | all booked after | breach shows p50 / p99 / max "
          "| outbox drained |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {api['per_second']} | {api['p50_ms']} ms | {api['p99_ms']} ms | {workers} | {s['due_at_once']} "  # type: ignore[index]
          f"| {s['all_booked_after_due_s']} s | {s['breach_shows_after_due_p50_s']} / {s['p99_s']} / {s['max_s']} s "  # type: ignore[index]
          f"| {s['outbox_drained_after_all_booked_s']} s |")  # type: ignore[index]


if __name__ == "__main__":
    main()
