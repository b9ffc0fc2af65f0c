"""Serve Kesu with gunicorn on 127.0.0.1 (the embedded default)."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kesu.env import env_int, env_str
from kesu.ops.checks import demo_problems, is_production

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Command(BaseCommand):
    help = "启动客诉服务（默认 127.0.0.1:8000）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=env_str("KESU_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=env_int("KESU_PORT", 8000, minimum=1))
        parser.add_argument("--workers", type=int, default=env_int("KESU_WORKERS", 2, minimum=1))
        parser.add_argument("--threads", type=int, default=env_int("KESU_THREADS", 1, minimum=1))

    def handle(self, *args: Any, host: str, port: int, workers: int, threads: int, **options: Any) -> None:
        # The production guard (kesu/ops/checks.py): a server bound beyond the loopback address is
        # reachable by others, so it counts as production too.
        if (is_production() or host not in LOOPBACK) and not settings.KESU_DEMO:
            problems = demo_problems()
            if problems:
                lines = [f"{e.id}: {e.msg}" for e in problems]
                raise CommandError("拒绝启动：\n" + "\n".join(lines) + f"\n{problems[0].hint}")
        self.stdout.write(f"客诉 Kesu 正在 http://{host}:{port}/ 上运行（Ctrl+C 停止）")
        # The gunicorn config starts the in-process scheduler (clock sweeps, mail) in one worker.
        # One thread per worker by default: on SQLite, threads of one process only queue for the
        # single write lock and the GIL (measured in bench/README.md: half the throughput at 4).
        argv = [sys.executable, "-m", "gunicorn", "kesu.wsgi:application", "--bind", f"{host}:{port}",
                "--workers", str(workers), "--threads", str(threads), "--timeout", "120",
                "--config", "python:kesu.tasks.gunicorn_conf"]
        access_log = env_str("KESU_ACCESS_LOG", "")  # gunicorn's default: none (a proxy in front keeps one)
        if access_log:
            argv += ["--access-logfile", access_log]
        os.execv(sys.executable, argv)
