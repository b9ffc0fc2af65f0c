"""Run the periodic tasks in the foreground (debugging, or a deployment without Celery)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kesu.tasks.scheduler import Scheduler


class Command(BaseCommand):
    help = "在前台运行定时任务（时限巡检、通知发送）"

    def handle(self, *args: Any, **options: Any) -> None:
        scheduler = Scheduler()
        self.stdout.write("定时任务已启动（Ctrl+C 停止）")
        try:
            scheduler.loop()
        except KeyboardInterrupt:
            scheduler.stop()
