"""The in-app inbox and the email outbox (SPEC F14, first cut).

Both are written in the same transaction as the domain change that causes them, so a rolled-back
change notifies nobody and a committed one is never lost; mail leaves later, outside any
transaction, from the outbox.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_lazy as _lazy


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类型"), max_length=40)  # a code; the text is rendered when shown
    complaint = models.ForeignKey("complaints.Complaint", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="notifications")
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读"), null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notification_inbox",
                                condition=Q(read_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind}"


class OutboundEmail(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    to_address = models.EmailField(_("收件人"))
    subject = models.CharField(_("主题"), max_length=200)
    body = models.TextField(_("正文"))
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
        verbose_name = _("待发邮件")
        verbose_name_plural = _("邮件发件箱")
        indexes = [models.Index(fields=["next_attempt_at"], name="outbox_pending",
                                condition=Q(state="pending"))]

    def __str__(self) -> str:
        return f"{self.to_address}: {self.subject}"


# ---- issue 16: routes, channels, the robots, crisis alerts -------------------------------------


class Dispatch(models.Model):
    """Something happened that the policy's routes may tell people of (an event on a complaint, a
    crisis, a breach). Written with one INSERT in the transaction of its cause; expanded after commit
    into inbox notices and messages (:class:`Delivery`) by ``notifications.dispatch``."""

    event = models.CharField(_("事件"), max_length=40)
    complaint = models.ForeignKey("complaints.Complaint", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="dispatches", db_index=False)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"))
    expanded_at = models.DateTimeField(_("已分发"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知事件")
        verbose_name_plural = _("通知事件")
        indexes = [models.Index(fields=["created_at"], name="dispatch_waiting", condition=Q(expanded_at__isnull=True)),
                   models.Index(fields=["complaint", "event"], name="dispatch_complaint")]

    def __str__(self) -> str:
        return f"{self.event} {self.complaint_id or ''}"


class Robot(models.Model):
    """A group robot (群机器人) of 企业微信, 钉钉 or 飞书: its webhook address and signing secret, as
    the group's owner copied them from the platform. Routes and crisis rules name it ``robot:<code>``."""

    class Platform(models.TextChoices):
        WECOM = "wecom", _("企业微信")
        DINGTALK = "dingtalk", _("钉钉")
        FEISHU = "feishu", _("飞书")

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    platform = models.CharField(_("平台"), max_length=10, choices=Platform.choices)
    webhook_url = models.URLField(_("Webhook 地址"), max_length=500)
    secret = models.CharField(_("加签密钥"), max_length=200, blank=True,
                              help_text=_("钉钉、飞书的加签密钥；企业微信的密钥已在地址的 key 中"))
    department = models.ForeignKey("org.Department", null=True, blank=True, on_delete=models.SET_NULL,
                                   verbose_name=_("所属部门"))
    is_active = models.BooleanField(_("启用"), default=True)
    blocked_until = models.DateTimeField(_("暂停发送至"), null=True, blank=True)  # limit reached or errors: wait
    failures = models.PositiveIntegerField(_("连续失败次数"), default=0)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_platform_display()}）"


class Delivery(models.Model):
    """One message to one address by one channel (e-mail, SMS, a robot), sent after commit, retried
    with backoff; ``key`` makes the expansion idempotent and is passed to providers that take one."""

    class Channel(models.TextChoices):
        EMAIL = "email", _lazy("邮件")
        SMS = "sms", _lazy("短信")
        WECOM = "wecom", _lazy("企业微信")
        DINGTALK = "dingtalk", _lazy("钉钉")
        FEISHU = "feishu", _lazy("飞书")

    class State(models.TextChoices):
        PENDING = "pending", _lazy("待发送")
        SENDING = "sending", _lazy("发送中")
        SENT = "sent", _lazy("已发送")
        FOLDED = "folded", _lazy("已并入汇总")
        FAILED = "failed", _lazy("发送失败")

    key = models.CharField(max_length=200, unique=True)
    dispatch = models.ForeignKey(Dispatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries")
    complaint = models.ForeignKey("complaints.Complaint", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="deliveries", verbose_name=_("收件人"))
    robot = models.ForeignKey(Robot, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries",
                              verbose_name=_("机器人"))
    to_customer = models.BooleanField(_("发给客户"), default=False)  # the address is read from the complaint when sent
    kind = models.CharField(_("类型"), max_length=40)
    params = models.JSONField(default=dict, blank=True)
    lang = models.CharField(max_length=10, default="zh-hans")
    created_at = models.DateTimeField(_("时间"))
    due_at = models.DateTimeField(_("应送达"), null=True, blank=True)  # the policy's "within"
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    provider_id = models.CharField(_("服务商回执"), max_length=200, blank=True)
    folded_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="folded",
                                    verbose_name=_("并入汇总"))

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("消息发件箱（短信、群机器人、邮件）")
        indexes = [models.Index(fields=["next_attempt_at"], name="delivery_pending", condition=Q(state="pending")),
                   models.Index(fields=["robot", "claimed_at"], name="delivery_robot_calls")]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} {self.state}"


class MessageTemplate(models.Model):
    """The wording of a message, editable by an administrator (the built-in text otherwise). SMS
    providers send only approved templates: ``sms_template`` is the template's code there (阿里云
    SMS_123456789 / 腾讯云 1234567), filled with the message's parameters by name."""

    kind = models.CharField(_("类型"), max_length=40)
    lang = models.CharField(_("语言"), max_length=10, choices=[("zh-hans", "中文"), ("en", "English")],
                            default="zh-hans")
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("正文"), help_text=_("可用 {number}、{result}、{link} 等参数"))
    sms_template = models.CharField(_("短信模板编码"), max_length=40, blank=True)
    sms_params = models.CharField(_("短信模板参数"), max_length=200, blank=True,
                                  help_text=_("模板中的参数名，逗号分隔，按顺序（腾讯云按顺序，阿里云按名称）"))

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")
        constraints = [models.UniqueConstraint(fields=["kind", "lang"], name="one_template_per_kind_language")]

    def __str__(self) -> str:
        return f"{self.kind} ({self.lang})"


class QuietHours(models.Model):
    """A person's own quiet hours where the policy allows them: e-mail and SMS wait until the end;
    the inbox still shows the notice at once, and a crisis is never held back."""

    staff = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiet_hours")
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))
    channels = models.JSONField(_("静默渠道"), default=list, blank=True)  # of "email", "sms"; empty: both

    class Meta:
        verbose_name = _("免打扰时段")
        verbose_name_plural = _("免打扰时段")

    def __str__(self) -> str:
        return f"{self.staff_id} {self.start}–{self.end}"


class CrisisAlert(models.Model):
    """A complaint raised as a crisis: why, the team alerted, by when one of them must acknowledge."""

    complaint = models.OneToOneField("complaints.Complaint", on_delete=models.CASCADE, related_name="crisis_alert")
    raised_at = models.DateTimeField(_("预警时间"))
    reasons = models.JSONField(_("原因"), default=list)
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="crisis_alerts",
                                  verbose_name=_("危机处理小组"))
    acknowledge_by = models.DateTimeField(_("应确认时间"))
    escalated_at = models.DateTimeField(_("已升级"), null=True, blank=True)

    class Meta:
        verbose_name = _("危机预警")
        verbose_name_plural = _("危机预警")
        indexes = [models.Index(fields=["acknowledge_by"], name="crisis_waiting",
                                condition=Q(escalated_at__isnull=True))]

    def __str__(self) -> str:
        return f"crisis {self.complaint_id}"


class CrisisAcknowledgement(models.Model):
    alert = models.ForeignKey(CrisisAlert, on_delete=models.CASCADE, related_name="acknowledgements")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("确认人"))
    at = models.DateTimeField(_("确认时间"))

    class Meta:
        verbose_name = _("危机预警确认")
        verbose_name_plural = _("危机预警确认")
        constraints = [models.UniqueConstraint(fields=["alert", "staff"], name="one_acknowledgement_per_person")]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.at}"
