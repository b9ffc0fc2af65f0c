"""Mailboxes Kesu reads (SPEC F3) and every message it has seen, by Message-ID."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kesu.complaints.models import Complaint


class MailAccount(models.Model):
    """An IMAP mailbox polled through the task interface."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    host = models.CharField(_("IMAP 服务器"), max_length=200)
    port = models.PositiveIntegerField(_("端口"), default=993)
    use_ssl = models.BooleanField(_("使用 SSL"), default=True)
    username = models.CharField(_("用户名"), max_length=200)
    password = models.CharField(_("密码"), max_length=200)
    folder = models.CharField(_("文件夹"), max_length=100, default="INBOX")
    # F16: the business unit whose mailbox this is: its messages are registered for that unit, under
    # its policy; empty — the installation's own.
    unit = models.ForeignKey("org.Unit", verbose_name=_("业务单位"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    is_active = models.BooleanField(_("启用"), default=True)
    last_polled_at = models.DateTimeField(_("上次收取"), null=True, blank=True)
    last_error = models.TextField(_("上次错误"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("受理邮箱")

    def __str__(self) -> str:
        return self.name


class InboundMessage(models.Model):
    """One message, processed once: its outcome and why."""

    class Outcome(models.TextChoices):
        REGISTERED = "registered", _("已登记为新投诉")
        APPENDED = "appended", _("已追加到原投诉")
        IGNORED = "ignored", _("自动邮件，已忽略")
        SET_ASIDE = "set_aside", _("已搁置待人工处理")

    account = models.ForeignKey(MailAccount, on_delete=models.PROTECT, related_name="messages")
    message_key = models.CharField("Message-ID", max_length=300)  # the Message-ID, or a hash when it has none
    from_address = models.CharField(_("发件人"), max_length=254, blank=True)
    subject = models.CharField(_("主题"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("收取时间"))
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices)
    reason = models.TextField(_("说明"), blank=True)
    reason_en = models.TextField(_("说明（英文）"), blank=True)  # the same reason for an English reader (issue 13)
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="inbound_messages")
    raw = models.BinaryField(_("原始邮件"), blank=True)  # kept for messages set aside, to be handled by hand

    class Meta:
        verbose_name = verbose_name_plural = _("收到的邮件")
        constraints = [models.UniqueConstraint(fields=["account", "message_key"], name="inbound_once")]

    def __str__(self) -> str:
        return f"{self.message_key} {self.outcome}"


class FailedAttempt(models.Model):
    """A message whose handling raised, counted outside its rolled-back transaction: read again on
    the next polls, and set aside (kept raw) after ``MAX_FAILURES`` — never retried forever."""

    account = models.ForeignKey(MailAccount, on_delete=models.CASCADE, related_name="failures")
    message_key = models.CharField("Message-ID", max_length=300)
    attempts = models.PositiveSmallIntegerField(_("失败次数"), default=0)
    last_error = models.TextField(_("上次错误"), blank=True)
    last_at = models.DateTimeField(_("上次失败"))

    class Meta:
        verbose_name = verbose_name_plural = _("处理失败的邮件")
        constraints = [models.UniqueConstraint(fields=["account", "message_key"], name="inbound_failure_once")]

    def __str__(self) -> str:
        return f"{self.message_key} ×{self.attempts}"
