"""The heartbeat of periodic work: one row per periodic task, written after each scheduled run.

Readiness (/readyz) and the metrics read it: a clock sweep that last succeeded long ago means the
scheduler, the broker or the workers stopped, whichever of them it was (kesu/ops/health.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskRun(models.Model):
    name = models.CharField(_("任务"), max_length=100, primary_key=True)
    last_started_at = models.DateTimeField(_("最近开始"), null=True, blank=True)
    last_ok_at = models.DateTimeField(_("最近成功"), null=True, blank=True)
    last_failed_at = models.DateTimeField(_("最近失败"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    runs = models.PositiveBigIntegerField(_("运行次数"), default=0)
    failures = models.PositiveBigIntegerField(_("失败次数"), default=0)

    class Meta:
        verbose_name = _("定时任务运行")
        verbose_name_plural = _("定时任务运行")

    def __str__(self) -> str:
        return self.name
