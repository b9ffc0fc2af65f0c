"""What kesu.privacy keeps of its own (issue 14).

* ``PrivacyRecord``: what retention, an export or an erasure of a customer's data and a legal hold
  did — who, when, which cases, how many. The stand-in for the audit chain until ``kesu.audit``
  lands (kesu.privacy.record writes it; the same call will write the chain). It never holds the
  customer's data itself: cases by number, a phone only masked.
* ``Anonymised``: the cases whose personal data has been taken away, and when. The timeline's one
  exception to append-only reads it (migration 0001): an event of such a case, written before that
  moment, may have its text redacted — nothing else of it, and nothing of any other case.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kesu.complaints.models import Complaint


class PrivacyRecord(models.Model):
    kind = models.CharField(_("事项"), max_length=40)  # retention_run, customer_export, customer_erased, legal_hold_…
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")  # None: the scheduled job
    reason = models.TextField(_("原因"), blank=True)
    details = models.JSONField(_("内容"), default=dict, blank=True)  # case numbers, counts, a masked phone

    class Meta:
        verbose_name = verbose_name_plural = _("个人信息处理记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class Anonymised(models.Model):
    complaint = models.OneToOneField(Complaint, on_delete=models.PROTECT, primary_key=True, related_name="+")
    at = models.DateTimeField(_("匿名化时间"))
    kind = models.CharField(max_length=40)  # retention_anonymised | customer_erased

    class Meta:
        verbose_name = verbose_name_plural = _("已匿名化的投诉")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"
