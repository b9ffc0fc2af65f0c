"""Chat, app and social sources posting through the signed webhook, and what each delivery made."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kesu.complaints.models import Complaint
from kesu.core.catalogues import CHANNELS
from kesu.db.labels import choices


class WebhookSource(models.Model):
    name = models.SlugField(_("来源标识"), max_length=40, unique=True)  # the URL's last part
    title = models.CharField(_("名称"), max_length=60)
    channel = models.CharField(_("渠道"), max_length=20,
                               choices=choices({c: CHANNELS[c] for c in ("chat", "app", "social")}))
    secret = models.CharField(_("签名密钥"), max_length=200)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("Webhook 来源")

    def __str__(self) -> str:
        return self.title


class WebhookDelivery(models.Model):
    source = models.ForeignKey(WebhookSource, on_delete=models.PROTECT, related_name="deliveries")
    message_id = models.CharField(_("消息编号"), max_length=200)
    received_at = models.DateTimeField(_("收到时间"))
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(_("结果"), max_length=12)  # registered | appended

    class Meta:
        verbose_name = verbose_name_plural = _("Webhook 消息")
        constraints = [models.UniqueConstraint(fields=["source", "message_id"], name="webhook_once")]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.message_id}"


class ImportBatch(models.Model):
    """An uploaded spreadsheet between its check and the user's choice to import it."""

    name = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(_("内容"))
    created_by = models.ForeignKey("org.Staff", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("上传时间"))
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    imported = models.PositiveIntegerField(_("导入条数"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("表格导入")

    def __str__(self) -> str:
        return self.name
