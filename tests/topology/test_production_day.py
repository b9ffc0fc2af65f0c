"""The production topology, tested as it runs (docs/deploy.md): two web servers (granian), Celery
workers on their own queues, the scheduler (Celery beat with the leader lock) — and a second one
started by mistake — PostgreSQL and Redis, each a separate process on 127.0.0.1, started by the
commands the systemd units run. One real day goes through it:

* complaints registered through the API, on both web servers, and by e-mail (Dovecot IMAP);
* a clock falls due and its breach is booked once, though two schedulers are running;
* every notification e-mail reaches the SMTP server once;
* last month's report is made once — even though the worker running it is killed (SIGKILL) in the
  middle, and another worker runs the same task again (late acknowledgement, an idempotent task);
* the scheduler that sends is killed, and the standby takes over;
* /healthz, /readyz and /metrics tell the truth about all of it.
"""

from __future__ import annotations

import json
import os
import re
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import psycopg
import pytest

from tests.mailin.imap import PASSWORD, USER
from tests.servers import ROOT, dovecot_server, free_port, private_redis, wait_for
from tests.topology.cluster import SmtpSink, Topology, postgres_cluster

pytestmark = [pytest.mark.slow]

TOKEN_FOR_METRICS = "metrics-token-0123456789abcdef"

SETUP = """
import json
from datetime import timedelta
from django.utils import timezone
from kesu.core.policy.io import PRESETS_DIR
from kesu.policies.services import import_and_publish
from kesu.ops.demo import load_demo_organisation
from kesu.clocks.calendar import seed_missing_years, save_year
from kesu.clocks.models import HolidayYear
from kesu.mailin.models import MailAccount
from kesu.org.models import Staff
from rest_framework.authtoken.models import Token

now = timezone.now()
import_and_publish(text=(PRESETS_DIR / "p4_public_commitment.yaml").read_text(encoding="utf-8"), actor=None, now=now)
people = load_demo_organisation(now)
for s in Staff.objects.all():
    s.email = s.username + "@kesu.test"
    s.save(update_fields=["email"])
seed_missing_years(now)
# the operator enters the years chinese-calendar does not know yet (admin: 节假日), so the next 90 days are covered
for year in range(now.year, (now + timedelta(days=90)).year + 1):
    if not HolidayYear.objects.filter(year=year).exists():
        save_year(year=year, holidays=[f"{year}-01-01"], workdays=[], actor=None, now=now)
MailAccount.objects.create(name="客服邮箱", host="127.0.0.1", port=IMAP_PORT, use_ssl=False,
                           username="USER", password="PASSWORD")
print(json.dumps({"token": Token.objects.create(user=people["wangkf"]).key}))
"""


def http(url: str, *, data: dict | None = None, token: str = "", bearer: str = "") -> tuple[int, str]:
    import urllib.error
    import urllib.request

    headers = {"Content-Type": "application/json"} if data is not None else {}
    if token:
        headers["Authorization"] = f"Token {token}"
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:  # not listening yet
        return 0, repr(e)


def customer_mail() -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "刘女士 <liu@customer.test>", USER, "热水器漏水"
    msg["Message-ID"] = make_msgid(domain="customer.test")
    msg.set_content("新装的热水器漏水，地板都泡了，请尽快派人处理。电话 13700001234。")
    return msg.as_bytes()


def append_to_inbox(port: int, raw: bytes) -> None:
    import imaplib

    box = imaplib.IMAP4("127.0.0.1", port)
    box.login(USER, PASSWORD)
    box.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
    box.logout()


def test_a_day_on_the_production_topology(tmp_path: Path):
    logs = tmp_path / "logs"
    logs.mkdir()
    with (postgres_cluster() as pg_url, private_redis(tmp_path) as redis_url, SmtpSink() as smtp,
          dovecot_server({USER: PASSWORD}) as imap_port):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KESU_", "DATABASE_URL"))}
        env.update(
            DATABASE_URL=pg_url, KESU_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT),
            DJANGO_SETTINGS_MODULE="kesu.settings", PYTHONUNBUFFERED="1",
            KESU_TASK_BACKEND="celery", KESU_CELERY_BROKER_URL=f"{redis_url}/0", KESU_REDIS_URL=f"{redis_url}/1",
            KESU_SWEEP_SECONDS="2", KESU_MAIL_POLL_SECONDS="5",
            # the day is compressed: a killed worker's task comes back after 15 s, a dead beat's lock lapses in 15 s
            KESU_CELERY_VISIBILITY_TIMEOUT="15", KESU_BEAT_LOCK_SECONDS="15",
            KESU_EMAIL_HOST="127.0.0.1", KESU_EMAIL_PORT=str(smtp.port), KESU_EMAIL_TIMEOUT="5",
            KESU_METRICS_TOKEN=TOKEN_FOR_METRICS,
            KESU_PASSWORD_HASHERS="django.contrib.auth.hashers.MD5PasswordHasher",
        )
        topo = Topology(env, logs)
        topo.run("migrate", "--no-input")
        setup = SETUP.replace("IMAP_PORT", str(imap_port)).replace('"USER"', repr(USER)).replace(
            '"PASSWORD"', repr(PASSWORD))
        token = json.loads(topo.run("shell", "-c", setup).strip().splitlines()[-1])["token"]
        db = psycopg.connect(pg_url.replace("postgres://", "postgresql://"), autocommit=True)

        def one(sql: str, *args: object) -> object:
            return db.execute(sql, args).fetchone()[0]

        web = [free_port(), free_port()]
        try:
            for i, port in enumerate(web):
                topo.start(f"web{i + 1}", "serve", "--port", str(port), "--workers", "1")
            topo.start("beat1", "beat", "--schedule", str(tmp_path / "beat1-schedule"))
            topo.start("beat2", "beat", "--schedule", str(tmp_path / "beat2-schedule"))  # started by mistake
            topo.start("worker-clocks", "worker", "clocks", "intelligence", "kesu", "--pool", "solo")
            topo.start("worker-intake", "worker", "intake", "--pool", "solo")
            topo.start("worker-notifications", "worker", "notifications", "--pool", "solo")
            topo.start("worker-reports-a", "worker", "reports", "--pool", "solo", "--name", "reports-a")
            topo.start("worker-reports-b", "worker", "reports", "--pool", "solo", "--name", "reports-b")

            # --- ready: both web servers live; the sweep ran end to end (beat → Redis → worker → PostgreSQL)
            def ready() -> bool:
                return all(http(f"http://127.0.0.1:{p}/readyz")[0] == 200 for p in web)

            assert wait_for(ready, timeout=240, interval=1), (
                f"not ready: {[http(f'http://127.0.0.1:{p}/readyz') for p in web]}\n{topo.tails()}")
            assert http(f"http://127.0.0.1:{web[0]}/healthz") == (200, '{"status": "ok"}')

            # --- registrations through the API, alternating between the two web servers
            numbers = []
            for i in range(6):
                status, body = http(f"http://127.0.0.1:{web[i % 2]}/api/v1/complaints/", token=token, data={
                    "channel": "phone", "customer_words": f"第{i + 1}位客户：安装师傅迟到三小时",
                    "customer_name": "何女士", "customer_phone": f"1360000{i:04d}",
                    "complained_department": "after_sales"})
                assert status == 201, body
                numbers.append(json.loads(body)["number"])
            assert len(set(numbers)) == 6
            assert [int(n[-3:]) for n in numbers] == list(range(int(numbers[0][-3:]), int(numbers[0][-3:]) + 6))

            # --- a registration by e-mail: the intake worker reads Dovecot
            append_to_inbox(imap_port, customer_mail())
            assert wait_for(lambda: one("SELECT count(*) FROM complaints_complaint WHERE channel = 'email'"),
                            timeout=120), f"no complaint from the mailbox\n{topo.tails()}"

            # --- time passes: a complaint's first clock falls due in two seconds; its breach is booked once
            first = one("SELECT id FROM complaints_complaint WHERE number = %s", numbers[0])
            clock = one("SELECT id FROM clocks_complaintclock WHERE complaint_id = %s AND stopped_at IS NULL "
                        "ORDER BY due_at LIMIT 1", first)
            db.execute("UPDATE clocks_complaintclock SET due_at = now() + interval '2 seconds', warn_at = NULL "
                       "WHERE id = %s", (clock,))
            assert wait_for(lambda: one("SELECT breached_at FROM clocks_complaintclock WHERE id = %s", clock),
                            timeout=120), f"no breach booked\n{topo.tails()}"
            time.sleep(5)  # more sweeps from whichever beat leads: nothing is booked again
            assert one("SELECT count(*) FROM complaints_complaintevent WHERE complaint_id = %s "
                       "AND kind = 'clock_breached'", first) == 1

            # --- one scheduler sends; the one started by mistake sends nothing
            sending = [name for name in ("beat1", "beat2") if "Sending due task" in topo.log(name)]
            assert len(sending) == 1, topo.tails()
            leader, standby = sending[0], ({"beat1", "beat2"} - set(sending)).pop()

            # --- the monthly report, with its worker killed mid-task
            readers_before = one("SELECT count(*) FROM notifications_notification WHERE kind = 'report_monthly'")
            assert readers_before == 0
            lock = psycopg.connect(pg_url.replace("postgres://", "postgresql://"))
            lock.execute("LOCK TABLE notifications_notification IN SHARE MODE")  # the report's notices must wait
            from celery import Celery

            client = Celery("kesu", broker=f"{redis_url}/0")
            task_id = client.send_task("kesu.run_task", args=("reports.deliver", {}), queue="reports").id

            def runner() -> str | None:
                return next((n for n in ("worker-reports-a", "worker-reports-b") if task_id in topo.log(n)), None)

            victim = wait_for(runner, timeout=60)
            assert victim, topo.tails()
            assert wait_for(lambda: one("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                        "AND query LIKE 'INSERT INTO \"notifications_notification\"%%'"),
                            timeout=120), "the report never reached its notices"
            topo.kill(victim)  # SIGKILL, mid-task: the message stays unacknowledged in Redis
            lock.rollback()
            lock.close()
            survivor = ({"worker-reports-a", "worker-reports-b"} - {victim}).pop()
            assert wait_for(lambda: re.search(rf"Task kesu.run_task\[{task_id}\] succeeded", topo.log(survivor)),
                            timeout=120), f"the killed worker's task was not completed by another\n{topo.tails()}"
            readers = one("SELECT count(DISTINCT recipient_id) FROM notifications_notification "
                          "WHERE kind = 'report_monthly'")
            assert readers > 0
            assert one("SELECT count(*) FROM notifications_notification WHERE kind = 'report_monthly'") == readers
            again = client.send_task("kesu.run_task", args=("reports.deliver", {}), queue="reports").id  # next hour
            assert wait_for(lambda: re.search(rf"Task kesu.run_task\[{again}\] succeeded", topo.log(survivor)),
                            timeout=120), topo.tails()
            assert one("SELECT count(*) FROM notifications_notification WHERE kind = 'report_monthly'") == readers

            # --- the leading scheduler dies; the standby takes over within the lock's life
            topo.kill(leader)
            assert wait_for(lambda: "Sending due task" in topo.log(standby), timeout=120), topo.tails()

            # --- every e-mail reaches the SMTP server once
            assert wait_for(lambda: one("SELECT count(*) FROM notifications_outboundemail WHERE state "
                                        "IN ('pending', 'sending')") == 0 and one(
                "SELECT count(*) FROM notifications_delivery WHERE channel = 'email' "
                "AND state IN ('pending', 'sending')") == 0, timeout=120), topo.tails()
            sent = {r[0] for r in db.execute("SELECT message_id FROM notifications_outboundemail WHERE state = 'sent'")}
            # the routes' messages (issue 16: the customer's receipt) go by the delivery outbox, whose
            # Message-ID is made from the delivery's key (kesu/notifications/channels/email.py)
            sent |= {f"<kesu-{r[0].replace(':', '-')[:120]}@localhost>" for r in db.execute(
                "SELECT key FROM notifications_delivery WHERE channel = 'email' AND state = 'sent'")}
            received = [m["Message-ID"] for m in smtp.messages]
            assert len(received) == len(set(received)), "an e-mail was delivered twice"
            assert set(received) == sent and len(sent) >= readers + 1  # the reports, the mail customer's answer

            # --- health and metrics tell the truth
            assert ready(), [http(f"http://127.0.0.1:{p}/readyz") for p in web]
            assert http(f"http://127.0.0.1:{web[1]}/metrics")[0] == 404  # no token, no figures
            status, text = http(f"http://127.0.0.1:{web[1]}/metrics", bearer=TOKEN_FOR_METRICS)
            assert status == 200
            figures = dict(re.findall(r"^(kesu_[a-z_0-9]+(?:\{[^}]*\})?) (\S+)$", text, re.M))
            assert float(figures["kesu_registrations_total"]) == 7
            assert float(figures["kesu_breaches_total"]) == 1
            assert float(figures['kesu_outbox_depth{state="pending"}']) == 0
            assert float(figures["kesu_sweep_lag_seconds"]) < 10
        finally:
            topo.stop()
            db.close()
