"""Serve Kesu with granian on 127.0.0.1 (the embedded default).

granian (Rust, HTTP/1.1 keep-alive and HTTP/2) took the place of gunicorn's sync workers: the
same Django application served with about a quarter less CPU per request, most of it gunicorn's
pure-Python HTTP handling and a new connection per request (bench/README.md, 2026-12-07 stop 25;
docs/decisions/0001-libraries.md)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
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
        # kesu.ops.served starts the in-process scheduler (clock sweeps, mail) in one worker.
        # One thread per worker by default: on SQLite, threads of one process only queue for the
        # single write lock and the GIL (measured in bench/README.md: half the throughput at 4);
        # the connections themselves are kept by granian's own I/O threads, not the worker's.
        argv = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", host, "--port", str(port),
                "--workers", str(workers), "--blocking-threads", str(threads), "--no-ws",
                "--respawn-failed-workers",  # a worker that dies is replaced, as gunicorn's arbiter did
                "--workers-kill-timeout", "30",  # a stop lets requests in flight finish, then kills
                "kesu.ops.served:application"]
        access_log = env_str("KESU_ACCESS_LOG", "")  # off by default (a proxy in front keeps one)
        if access_log:
            argv += ["--access-log", "--log-config", str(_access_log_config(access_log))]
        os.execv(sys.executable, argv)


def _access_log_config(where: str) -> Path:
    """granian's logging configuration with its access log sent to ``where`` (``-``: standard
    output, else a file), kept in the data folder."""
    access: dict[str, Any] = ({"class": "logging.StreamHandler", "stream": "ext://sys.stdout"} if where == "-"
                              else {"class": "logging.FileHandler", "filename": str(Path(where).resolve())})
    config = {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"generic": {"format": "[%(levelname)s] %(message)s"}, "access": {"format": "%(message)s"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                                 "formatter": "generic"},
                     "access": {**access, "formatter": "access"}},
        "loggers": {"_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
                    "granian.access": {"handlers": ["access"], "level": "INFO", "propagate": False}},
    }
    path = Path(settings.DATA_DIR) / "access-log.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config))
    return path
