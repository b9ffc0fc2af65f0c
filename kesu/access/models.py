"""Who looked at which personal data: reveals of a full value (with the reason) and phone lookups
on the registration page. Append-only by use; each reveal is also an entry of the audit chain."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kesu.db.labels import choices

REASONS = {
    "callback": ("回访客户", "Calling the customer back"),
    "verify": ("核实身份", "Verifying identity"),
    "handling": ("处理投诉", "Handling the complaint"),
    "other": ("其他（填写）", "Other (typed)"),
}


class Reveal(models.Model):
    at = models.DateTimeField(_("时间"), db_index=True)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("查看人"), on_delete=models.PROTECT,
                              related_name="+")
    complaint = models.ForeignKey("complaints.Complaint", verbose_name=_("投诉"), on_delete=models.PROTECT,
                                  related_name="+")
    field = models.CharField(_("字段"), max_length=40)
    reason = models.CharField(_("原因"), max_length=20, choices=choices(REASONS))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("完整信息查看记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.field}"


class PhoneLookup(models.Model):
    """One phone lookup on the registration page: the number only as its keyed blind index."""

    at = models.DateTimeField(_("时间"), db_index=True)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("查询人"), on_delete=models.PROTECT,
                              related_name="+")
    phone_index = models.CharField(_("号码索引"), max_length=64)
    found = models.PositiveIntegerField(_("命中数"), default=0)
    refused = models.BooleanField(_("超限拒绝"), default=False)

    class Meta:
        verbose_name = verbose_name_plural = _("电话查询记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.found}"
