"""The in-app inbox and the email outbox (SPEC F14, first cut).

Both are written in the same transaction as the domain change that causes them, so a rolled-back
change notifies nobody and a committed one is never lost; mail leaves later, outside any
transaction, from the outbox.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField("类型", max_length=40)  # a code; the text is rendered when shown
    complaint = models.ForeignKey("complaints.Complaint", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="notifications")
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读", null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notification_inbox",
                                condition=Q(read_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind}"


class OutboundEmail(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    to_address = models.EmailField("收件人")
    subject = models.CharField("主题", max_length=200)
    body = models.TextField("正文")
    notification = models.ForeignKey(Notification, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="emails")
    created_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    # Mail to a customer about a complaint: threaded under the customer's own message (SPEC F3).
    complaint = models.ForeignKey("complaints.Complaint", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="outbound_emails")
    in_reply_to = models.CharField(max_length=300, blank=True)
    references = models.TextField(blank=True)

    class Meta:
        verbose_name = "待发邮件"
        verbose_name_plural = "邮件发件箱"
        indexes = [models.Index(fields=["next_attempt_at"], name="outbox_pending",
                                condition=Q(state="pending"))]

    def __str__(self) -> str:
        return f"{self.to_address}: {self.subject}"
