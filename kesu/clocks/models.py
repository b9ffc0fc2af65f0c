"""Clocks per complaint, the working calendar, overtime penalties and extension requests (SPEC F6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kesu.complaints.models import Complaint
from kesu.org.models import Department

# A clock the sweep must look at: still running, not paused, not yet breached.
DUE_CANDIDATE = Q(stopped_at__isnull=True, cancelled_at__isnull=True, paused_at__isnull=True,
                  breached_at__isnull=True)
WARN_CANDIDATE = DUE_CANDIDATE & Q(warned_at__isnull=True, warn_at__isnull=False)


class ComplaintClock(models.Model):
    """One run of one policy clock on one complaint, with its stored, indexed due time."""

    # no index of its own: clock_complaint_code leads with it
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, db_index=False, related_name="clocks")
    code = models.CharField(_("时限"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    mode = models.CharField(_("计时方式"), max_length=10)  # calendar | working
    target = models.CharField(_("时限目标"), max_length=20)  # as the policy writes it: 30m, 24h, 3d
    responsible_role = models.CharField(_("责任角色"), max_length=20)
    started_at = models.DateTimeField(_("开始"))
    due_at = models.DateTimeField(_("到期"))
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    warned_at = models.DateTimeField(_("已预警"), null=True, blank=True)
    breached_at = models.DateTimeField(_("超时记录于"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("停止"), null=True, blank=True)
    met = models.BooleanField(_("按时完成"), null=True, blank=True)
    late_seconds = models.PositiveIntegerField(_("超时（秒）"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消"), null=True, blank=True)
    paused_at = models.DateTimeField(_("暂停于"), null=True, blank=True)
    pauses = models.JSONField(_("已结束的暂停"), default=list, blank=True)  # [[from, to], …] ISO strings
    calendar_covered = models.BooleanField(_("日历已覆盖"), default=True)
    uncovered_years = models.JSONField(default=list, blank=True)
    # Issue 18: a clock on a help request (协办, start: request_assist) runs once per department asked
    # — several at a time — and this is the department it times (on that department's calendar).
    # No index of its own: read through its complaint's clocks.
    assist_department = models.ForeignKey(Department, verbose_name=_("协办部门"), null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("投诉时限")
        verbose_name_plural = _("投诉时限")
        indexes = [
            # The sweep reads only clocks that can breach or warn: its cost follows the due
            # clocks, not the open complaints.
            models.Index(fields=["due_at"], condition=DUE_CANDIDATE, name="clock_due_open"),
            models.Index(fields=["warn_at"], condition=WARN_CANDIDATE, name="clock_warn_open"),
            models.Index(fields=["complaint", "code"], name="clock_complaint_code"),
            models.Index(fields=["stopped_at"], name="clock_stopped", condition=Q(stopped_at__isnull=False)),
            models.Index(fields=["complaint"], name="clock_breached_open",
                         condition=Q(breached_at__isnull=False, stopped_at__isnull=True, cancelled_at__isnull=True)),
            # The clocks missed in a period, by the due time they went past (kesu.clocks.outcomes):
            # the report's on-time rate and the dashboard's breaches today.
            models.Index(fields=["due_at"], name="clock_breached_due", condition=Q(breached_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.shown_name(get_language() or 'zh-hans')}"

    def shown_name(self, lang: str) -> str:
        """The clock by the name its policy gives it: ``name_en`` in English (as the notices say
        ``clock_en``), the stored name otherwise or when the policy has no English."""
        if not lang.startswith("en"):
            return self.name
        from kesu.policies.services import policy_of  # the policy layer sits below; asked only in English

        english = next((x.name_en for x in policy_of(self.complaint.policy_version).clocks if x.code == self.code), "")
        return english or self.name

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None and self.cancelled_at is None


class PenaltyEntry(models.Model):
    """超时扣罚 and penalties from investigation findings: the ledger HR and managers review."""

    class Kind(models.TextChoices):
        CLOCK_BREACH = "clock_breach", _("超时扣罚")
        FINDING = "finding", _("调查处罚")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="penalties")
    clock = models.OneToOneField(ComplaintClock, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="penalty")  # one penalty per breached clock, even if two sweeps race
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="penalties")
    department = models.ForeignKey(Department, verbose_name=_("责任部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="penalties")
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    booked_at = models.DateTimeField(_("记录时间"), db_index=True)
    reason = models.CharField(_("事由"), max_length=200)
    waived_at = models.DateTimeField(_("免除时间"), null=True, blank=True)
    waived_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    waive_reason = models.CharField(_("免除原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("扣罚记录")
        verbose_name_plural = _("扣罚台账")
        ordering = ["-booked_at", "-id"]
        indexes = [
            models.Index(fields=["department", "booked_at"], name="penalty_dept_time"),
            models.Index(fields=["staff", "booked_at"], name="penalty_staff_time"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.amount}"


class ExtensionRequest(models.Model):
    """投诉延期处理申请: raised when the customer cannot be reached; the GM role decides."""

    class Kind(models.TextChoices):
        PAUSE = "pause", _("暂停计时（至恢复）")
        EXTEND = "extend", _("延长时限")

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="extension_requests")
    clock = models.ForeignKey(ComplaintClock, on_delete=models.PROTECT, related_name="extension_requests")
    kind = models.CharField(_("方式"), max_length=10, choices=Kind.choices)
    extension = models.CharField(_("延长时长"), max_length=20, blank=True)  # 24h, 2d …, for EXTEND
    reason = models.TextField(_("申请原因"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("延期处理申请")
        verbose_name_plural = _("延期处理申请")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.clock_id} {self.state}"


class HolidayYear(models.Model):
    """One year of the statutory calendar: public holidays and adjusted working days (调休).
    Seeded from chinese-calendar; administrators enter next year's when it is published."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    holidays = models.JSONField(_("法定节假日"), default=list)  # ["2026-10-01", …]
    workdays = models.JSONField(_("调休上班日"), default=list)  # weekends worked, ["2026-09-20", …]
    source = models.CharField(_("来源"), max_length=40, default="chinese-calendar")
    updated_at = models.DateTimeField(_("更新时间"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("节假日年表")
        verbose_name_plural = _("节假日年表")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class BusinessHours(models.Model):
    """The organisation's business hours (department empty) or one department's own (a store
    open at weekends)."""

    department = models.OneToOneField(Department, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="business_hours")
    # F16: a business unit's own hours (the department empty): its departments and its cases not
    # yet with a department run on them, and the units below it that have none of their own.
    unit = models.OneToOneField("org.Unit", verbose_name=_("业务单位"), null=True, blank=True, on_delete=models.CASCADE,
                                related_name="business_hours")
    weekly = models.JSONField(_("营业时间"))  # {"mon": ["08:30-12:00", "13:30-18:00"], …}
    open_on_holidays = models.BooleanField(_("法定节假日照常营业"), default=False)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("营业时间")
        verbose_name_plural = _("营业时间")
        constraints = [
            models.UniqueConstraint(fields=["department"], condition=Q(department__isnull=True, unit__isnull=True),
                                    name="one_default_business_hours"),
        ]

    def __str__(self) -> str:
        return str(self.department or self.unit or _("全公司"))
