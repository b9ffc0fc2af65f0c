"""The records of handling (SPEC F5, F7, F9) beside the complaint: transfers and their
acknowledgement, cross-department help, investigation reports, approvals of solutions and
compensation, and rewards. Each is written by kesu.workflow.services inside the complaint's
lifecycle transaction, with its timeline event."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kesu.complaints.models import Complaint
from kesu.core.catalogues import COMPENSATION_KINDS
from kesu.org.models import Department

STAFF = settings.AUTH_USER_MODEL


class Transfer(models.Model):
    """转交处理联系单: a hand-over to another department, signed by the receiver."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="transfers")
    from_department = models.ForeignKey(Department, verbose_name=_("转出部门"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    to_department = models.ForeignKey(Department, verbose_name=_("接收部门"), on_delete=models.PROTECT,
                                      related_name="+")
    from_owner = models.ForeignKey(STAFF, verbose_name=_("原处理人"), null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    to_owner = models.ForeignKey(STAFF, verbose_name=_("接收人"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    reason = models.TextField(_("转交原因"))
    requested_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("转交时间"))
    acknowledge_due_at = models.DateTimeField(_("签收时限"))
    acknowledged_by = models.ForeignKey(STAFF, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("超时上报时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("转交处理联系单")
        indexes = [models.Index(fields=["acknowledge_due_at"], name="transfer_ack_open",
                                condition=Q(acknowledged_at__isnull=True, escalated_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.complaint_id} → {self.to_department_id}"


class AssistRequest(models.Model):
    """协办: help asked of another department, with its own due time."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="assists")
    department = models.ForeignKey(Department, verbose_name=_("协办部门"), on_delete=models.PROTECT, related_name="+")
    matter = models.TextField(_("协办事项"))
    requested_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    due_at = models.DateTimeField(_("协办时限"))
    answered_by = models.ForeignKey(STAFF, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    answer = models.TextField(_("协办结果"), blank=True)
    overdue_at = models.DateTimeField(_("超时上报时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("协办申请")
        indexes = [models.Index(fields=["due_at"], name="assist_open",
                                condition=Q(answered_at__isnull=True, overdue_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.complaint_id} 协办 {self.department_id}"


class InvestigationReport(models.Model):
    """投诉调查报告 (F7): a later report replaces an earlier one as the current finding."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="investigations")
    valid = models.BooleanField(_("投诉是否成立"))
    cause = models.TextField(_("原因"))
    course = models.TextField(_("经过"))
    responsible_staff = models.ForeignKey(STAFF, verbose_name=_("责任人"), null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+")
    responsible_department = models.ForeignKey(Department, verbose_name=_("责任部门"), null=True, blank=True,
                                               on_delete=models.PROTECT, related_name="+")
    conclusion = models.TextField(_("结论"))
    corrective = models.TextField(_("纠正措施"), blank=True)
    preventive = models.TextField(_("预防措施"), blank=True)
    penalty = models.DecimalField(_("处罚金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    written_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("投诉调查报告")
        ordering = ["-written_at", "-id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} 调查报告"


class Approval(models.Model):
    """A solution or a compensation put to the approver the policy names (权限核决表), then to
    finance when the threshold says so."""

    class Kind(models.TextChoices):
        SOLUTION = "solution", _("处理方案")
        COMPENSATION = "compensation", _("补偿")
        TRANSFER = "transfer", _("转交")
        ACCEPTANCE = "acceptance", _("受理裁定")
        REWARD = "reward", _("奖励")

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        FINANCE = "finance", _("待财务审核")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="approvals")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    plan = models.TextField(_("方案说明"))
    compensation_kind = models.CharField(_("补偿方式"), max_length=20, blank=True,
                                         choices=[(k, _(v[0])) for k, v in COMPENSATION_KINDS.items()])
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    charge_to = models.ForeignKey(Department, verbose_name=_("费用承担部门"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    approver_role = models.CharField(_("审批角色"), max_length=90)  # a role, person:<login> or committee:<code>
    threshold_label = models.CharField(_("审批档"), max_length=60, blank=True)
    special = models.BooleanField(_("专案呈核"), default=False)
    finance_review = models.BooleanField(_("须财务审核"), default=False)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    requested_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(STAFF, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    finance_by = models.ForeignKey(STAFF, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    finance_at = models.DateTimeField(_("财务审核时间"), null=True, blank=True)
    finance_note = models.TextField(_("财务意见"), blank=True)
    # Issue 18: a chain of approvers (policy.approvals.chains) — the stage deciding now, when it began,
    # from when its fallback may decide (分管合伙人不在 → 主任或其他合伙人) and when they were told; what
    # the approval does once granted (a transfer's department, a reward's form); a cost no department
    # can be charged with (无法明确归属部门者，以专案呈报).
    chain = models.CharField(_("审批流程"), max_length=40, blank=True, default="", db_default="")
    stage = models.PositiveSmallIntegerField(_("审批环节"), default=0, db_default=0)
    stage_started_at = models.DateTimeField(_("本环节开始"), null=True, blank=True)
    fallback_at = models.DateTimeField(_("替补审批起始"), null=True, blank=True)
    fallback_told_at = models.DateTimeField(_("已通知替补审批人"), null=True, blank=True)
    payload = models.JSONField(_("批准后执行"), default=dict, blank=True, null=True)
    # who the stage names, space-separated with a space either side (" person:hehuo1 gm "): people named
    # by login see the case and find it in their approvals inbox, as holders of a role do already
    deciders = models.CharField(_("本环节审批人"), max_length=500, blank=True, default="", db_default="")
    unattributable = models.BooleanField(_("费用无法明确归属部门"), default=False, db_default=False)

    class Meta:
        verbose_name = verbose_name_plural = _("审批")
        ordering = ["requested_at", "id"]
        indexes = [models.Index(fields=["fallback_at"], name="approval_fallback_due",
                                condition=Q(state="pending", fallback_told_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.state}"


class Reward(models.Model):
    """F9: a reward to a staff member (saved a major loss, public praise) or to the customer whose
    feedback was valid (points, coupons)."""

    class To(models.TextChoices):
        STAFF = "staff", _("员工")
        CUSTOMER = "customer", _("客户")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="rewards")
    to = models.CharField(_("对象"), max_length=10, choices=To.choices)
    staff = models.ForeignKey(STAFF, verbose_name=_("员工"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="rewards")
    form = models.CharField(_("方式"), max_length=20)  # points, coupon, gift, cash, commendation, bonus
    amount = models.DecimalField(_("数额"), max_digits=10, decimal_places=2, null=True, blank=True)
    reason = models.TextField(_("事由"))
    granted_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("奖励")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.to} {self.form}"


class ApprovalVote(models.Model):
    """One committee member's vote on one stage of an approval (合伙人会议, 人评会)."""

    approval = models.ForeignKey(Approval, on_delete=models.PROTECT, related_name="votes")
    stage = models.PositiveSmallIntegerField(_("审批环节"))
    voter = models.ForeignKey(STAFF, verbose_name=_("表决人"), on_delete=models.PROTECT, related_name="+")
    approve = models.BooleanField(_("赞成"))
    note = models.TextField(_("意见"), blank=True)
    at = models.DateTimeField(_("表决时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("委员会表决")
        constraints = [models.UniqueConstraint(fields=["approval", "stage", "voter"], name="uniq_approval_vote")]

    def __str__(self) -> str:
        return f"{self.approval_id}/{self.stage} {self.voter_id} {'+' if self.approve else '-'}"


class ApproverAbsence(models.Model):
    """A person marked absent (不在岗) for approvals: while it holds, a stage they would decide goes
    to the stage's fallback (分管合伙人不在，则由主任或其他合伙人处理)."""

    staff = models.ForeignKey(STAFF, verbose_name=_("审批人"), on_delete=models.CASCADE, related_name="absences")
    starts_at = models.DateTimeField(_("起始"))
    ends_at = models.DateTimeField(_("截止"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    marked_by = models.ForeignKey(STAFF, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("审批人不在岗")
        indexes = [models.Index(fields=["staff", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.staff_id} 不在岗"

    @staticmethod
    def active_q(now: object) -> Q:
        return Q(starts_at__lte=now) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))


class CorrectiveAction(models.Model):
    """纠正预防措施 (CAPA): a measure with an owner and a due date on the owner's department's working
    calendar, carried out by the owner and its effect verified by someone else (4S: 总经理批准预防纠正
    措施并指派人员进行监督; manufacturer: 执行效果跟踪和确认). Not effective → open again, due anew."""

    class Kind(models.TextChoices):
        CORRECTIVE = "corrective", _("纠正措施")
        PREVENTIVE = "preventive", _("预防措施")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="corrective_actions")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    measure = models.TextField(_("措施内容"))
    owner = models.ForeignKey(STAFF, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="capa_owned")
    department = models.ForeignKey(Department, verbose_name=_("负责部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    verifier = models.ForeignKey(STAFF, verbose_name=_("监督确认人"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="capa_verifying")
    due_at = models.DateTimeField(_("完成期限"))
    opened_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("制定时间"))
    rounds = models.PositiveSmallIntegerField(_("轮次"), default=1)
    done_at = models.DateTimeField(_("落实时间"), null=True, blank=True)
    done_note = models.TextField(_("落实情况"), blank=True)
    verified_by = models.ForeignKey(STAFF, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(_("效果确认时间"), null=True, blank=True)
    effective = models.BooleanField(_("措施有效"), null=True, blank=True)
    verification_note = models.TextField(_("效果确认意见"), blank=True)
    warn_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    warned_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("逾期上报时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("纠正预防措施")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["due_at"], name="capa_open_due", condition=Q(done_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.measure[:20]}"

    @property
    def settled(self) -> bool:
        return self.effective is True
