"""python -m kesu worker QUEUE [QUEUE …] — a Celery worker on Kesu's queues (``all``: every one).

What the systemd unit kesu-worker@.service runs (deploy/systemd). Never with ``-B``: the periodic
tasks come from ``kesu beat`` alone (kesu/tasks/beat.py)."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kesu.tasks import QUEUES


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # Celery runs Django's checks itself as the worker starts: once is enough
    help = ("启动后台任务执行进程（Celery worker），处理指定队列 / a Celery worker on the given queues: "
            + ", ".join(QUEUES) + ", all")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("queues", nargs="+", help=f"queues ({', '.join(QUEUES)}) or all")
        parser.add_argument("--concurrency", type=int, default=None, help="processes (default: one per core)")
        parser.add_argument("--pool", default="prefork", choices=["prefork", "solo", "threads"])
        parser.add_argument("--loglevel", default="INFO")
        parser.add_argument("--name", default="", help="the worker's name (default: its queues)")

    def handle(self, *args: Any, queues: list[str], concurrency: int | None, pool: str, loglevel: str, name: str,
               **options: Any) -> None:
        if settings.KESU_TASK_BACKEND != "celery":
            raise CommandError("KESU_TASK_BACKEND 不是 celery：嵌入式默认部署在网站进程内运行后台任务，无需 worker / "
                               "KESU_TASK_BACKEND is not celery: the embedded default runs tasks in the web server")
        wanted = list(QUEUES) if queues == ["all"] else queues
        unknown = [q for q in wanted if q not in QUEUES]
        if unknown:
            raise CommandError(f"未知队列 / unknown queue: {', '.join(unknown)}"
                               f"（可用 / known: {', '.join(QUEUES)}, all）")
        argv = [sys.executable, "-m", "celery", "-A", "kesu.tasks.celery_app", "worker", "-Q", ",".join(wanted),
                "--hostname", f"{name or '-'.join(wanted)}@%h", "--pool", pool, "--loglevel", loglevel,
                "--without-gossip", "--without-mingle"]  # no chatter between workers: each only needs the broker
        if concurrency:
            argv += ["--concurrency", str(concurrency)]
        os.execv(sys.executable, argv)
