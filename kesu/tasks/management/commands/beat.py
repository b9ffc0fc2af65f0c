"""python -m kesu beat — the one scheduler of periodic tasks at scale (Celery beat with the leader
lock of kesu/tasks/beat.py). A second one started by mistake waits and sends nothing."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # the web servers and migrate run Django's checks; beat starts lean
    help = ("启动定时任务调度（Celery beat，带领导锁：多启动的一个只等待，不重复发送） / "
            "the one scheduler (Celery beat with a leader lock: a second one waits and sends nothing)")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schedule", default=str(Path(settings.DATA_DIR) / "celerybeat-schedule"),
                            help="beat's own state file (when each task last ran)")
        parser.add_argument("--loglevel", default="INFO")

    def handle(self, *args: Any, schedule: str, loglevel: str, **options: Any) -> None:
        if settings.KESU_TASK_BACKEND != "celery":
            raise CommandError("KESU_TASK_BACKEND 不是 celery：嵌入式默认部署由网站进程内的调度器运行定时任务 / "
                               "KESU_TASK_BACKEND is not celery: the embedded default schedules inside the web server")
        Path(schedule).parent.mkdir(parents=True, exist_ok=True)
        os.execv(sys.executable, [sys.executable, "-m", "celery", "-A", "kesu.tasks.celery_app", "beat",
                                  "--schedule", schedule, "--loglevel", loglevel])
