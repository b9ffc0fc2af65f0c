"""Complaints, their timeline, attachments and number counters (SPEC F2, F7, F8).

Only kesu.complaints.lifecycle writes these rows; a test enforces that nothing else writes a
complaint's status.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kesu.complaints.fields import BlindIndexField, EncryptedCharField, UnsealingQuerySet
from kesu.core.attachments import safe_file_name
from kesu.core.lifecycle import STATE_LABELS, State
from kesu.db.labels import choices
from kesu.org.models import Department, Unit
from kesu.policies.models import PolicyVersion

STATUS_CHOICES = choices({s.value: pair for s, pair in STATE_LABELS.items()})  # shown in the reader's language


class Complaint(models.Model):
    # Indexes are what the pages and the sweep ask for (Meta.indexes), nothing more: every index
    # is written by every registration. So the foreign keys carry none of Django's default
    # one-column indexes — department, owner and receiver lead a composite index already, and no
    # query filters on the others (a PROTECT check on deleting a person or department scans, which
    # is rare: staff and departments are deactivated, not deleted).
    number = models.CharField(_("投诉编号"), max_length=40, unique=True)
    policy_version = models.ForeignKey(PolicyVersion, verbose_name=_("制度版本"), on_delete=models.PROTECT,
                                       db_index=False, related_name="+")
    # F16: the business unit the case belongs to now (routing may pass it up to the group and back);
    # empty in an installation without units. The policy version stays the one it was registered
    # under, whichever unit it passes to.
    unit = models.ForeignKey(Unit, verbose_name=_("业务单位"), null=True, blank=True, on_delete=models.PROTECT,
                             db_index=False, related_name="+")
    status = models.CharField(_("状态"), max_length=20, choices=STATUS_CHOICES, default=State.REGISTERED)
    version = models.PositiveIntegerField(_("修订号"), default=1)  # optimistic lock: each user change adds one
    event_seq = models.PositiveIntegerField(_("事件数"), default=0)  # the last timeline event's number

    channel = models.CharField(_("渠道"), max_length=20)
    level = models.CharField(_("级别"), max_length=40, blank=True)
    category = models.CharField(_("类别"), max_length=40, blank=True)
    validity = models.CharField(_("有效性"), max_length=20, blank=True)
    is_internal = models.BooleanField(_("内部投诉"), default=False)

    # Personal data encrypted at rest (issue 14, kesu.complaints.fields, docs/privacy.md); looked up
    # only by the keyed blind indexes below, which pre_save fills from their source on every write.
    customer_name = EncryptedCharField(_("客户姓名"), max_length=60, blank=True)
    customer_phone = EncryptedCharField(_("客户电话"), max_length=20, blank=True)
    customer_email = EncryptedCharField(_("客户邮箱"), max_length=254, blank=True)
    customer_region = EncryptedCharField(_("地区"), max_length=60, blank=True)
    customer_ref = EncryptedCharField(_("会员/卡号"), max_length=60, blank=True)
    phone_index = BlindIndexField(source="customer_phone", kind="phone", null=True)
    email_index = BlindIndexField(source="customer_email", kind="email", null=True)
    ref_index = BlindIndexField(source="customer_ref", kind="ref", null=True)
    product_name = models.CharField(_("产品/服务"), max_length=100, blank=True)
    product_model = models.CharField(_("型号"), max_length=60, blank=True)
    order_number = models.CharField(_("订单/批号"), max_length=60, blank=True)
    purchase_date = models.DateField(_("购买日期"), null=True, blank=True)
    customer_words = models.TextField(_("客户原话"))
    occurred_at = models.DateTimeField(_("发生时间"), null=True, blank=True)
    occurred_place = EncryptedCharField(_("发生地点"), max_length=200, blank=True)
    amount_involved = models.DecimalField(_("涉及金额"), max_digits=14, decimal_places=2, null=True, blank=True)
    demands = models.JSONField(_("客户诉求"), default=list, blank=True)
    extra = models.JSONField(_("行业字段"), default=dict, blank=True)

    receiver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("受理人"), on_delete=models.PROTECT,
                                 db_index=False, related_name="received_complaints")
    location = models.ForeignKey(Department, verbose_name=_("发生门店/场所"), null=True, blank=True,
                                 on_delete=models.PROTECT, db_index=False, related_name="+")
    complained_department = models.ForeignKey(Department, verbose_name=_("被投诉部门"), null=True, blank=True,
                                              on_delete=models.PROTECT, db_index=False, related_name="+")
    complained_staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("被投诉人"), null=True, blank=True,
                                         on_delete=models.PROTECT, db_index=False, related_name="+")
    department = models.ForeignKey(Department, verbose_name=_("责任部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, db_index=False, related_name="complaints")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True,
                              on_delete=models.PROTECT, db_index=False, related_name="owned_complaints")
    # F9: who answers for the case, as the investigation found
    responsible_staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), null=True, blank=True,
                                          on_delete=models.PROTECT, db_index=False, related_name="+")
    responsible_department = models.ForeignKey(Department, verbose_name=_("责任部门（调查认定）"), null=True,
                                               blank=True, on_delete=models.PROTECT, db_index=False, related_name="+")

    registered_at = models.DateTimeField(_("登记时间"))
    updated_at = models.DateTimeField(_("更新时间"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, db_index=False,
                                   related_name="+")

    # Issue 14 (kesu.privacy): a legal hold keeps the case out of retention and erasure; who set it,
    # when and why. ``anonymised_at``: when retention or an erasure took the personal data away.
    legal_hold = models.BooleanField(_("法律保全"), default=False)
    legal_hold_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("保全设置人"), null=True, blank=True,
                                      on_delete=models.PROTECT, db_index=False, related_name="+")
    legal_hold_at = models.DateTimeField(_("保全时间"), null=True, blank=True)
    legal_hold_reason = models.TextField(_("保全原因"), blank=True)
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True)

    objects = UnsealingQuerySet.as_manager()  # personal fields decrypted when read (kesu.complaints.fields)

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["-registered_at", "-id"]
        # Django's plain base manager would give values() of the personal fields still sealed (backup,
        # copy_database read every table through it): the unsealing manager serves both
        base_manager_name = "objects"
        indexes = [
            models.Index(fields=["department", "status", "-registered_at"], name="complaint_dept_status"),
            # a case has no handler until it is assigned, and nothing looks the unassigned up by this
            # index (a handler's queue asks for owner = the person): registration writes nothing to it
            models.Index(fields=["owner", "status"], name="complaint_owner_status", condition=Q(owner__isnull=False)),
            models.Index(fields=["receiver", "status", "-registered_at"], name="complaint_receiver_status"),
            models.Index(fields=["status", "-registered_at"], name="complaint_status_time"),
            models.Index(fields=["-registered_at", "-id"], name="complaint_recent"),
            # cases of a business unit only: an installation without units writes nothing to it, and a
            # unit's queue asks unit_id IN (…), which implies it
            models.Index(fields=["unit", "status", "-registered_at"], name="complaint_unit_status",
                         condition=Q(unit__isnull=False)),
            # the same customer (the blind index of the phone, e-mail or member number) over time: a
            # repeat inside the crisis window is counted from the index alone, never the rows
            # over the customers who gave one (an empty source is NULL): a complaint without an e-mail
            # address or a member number writes nothing to their indexes
            models.Index(fields=["phone_index", "registered_at"], name="complaint_phone_at",
                         condition=Q(phone_index__isnull=False)),
            models.Index(fields=["email_index", "registered_at"], name="complaint_email_at",
                         condition=Q(email_index__isnull=False)),
            models.Index(fields=["ref_index", "registered_at"], name="complaint_ref_at",
                         condition=Q(ref_index__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.number

    BLIND = {"customer_phone": "phone_index", "customer_email": "email_index", "customer_ref": "ref_index"}

    def save(self, *args: Any, **kwargs: Any) -> None:
        fields = kwargs.get("update_fields")
        if fields is not None:  # a blind index is saved with its source
            fields = set(fields)
            kwargs["update_fields"] = fields | {self.BLIND[f] for f in fields if f in self.BLIND}
        super().save(*args, **kwargs)


class ComplaintEvent(models.Model):
    """One entry of a complaint's timeline: who, when, what changed, why. Append-only: see
    migration 0003 for the database triggers."""

    # no index of its own: the unique (complaint, seq) leads with it
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, db_index=False, related_name="events")
    seq = models.PositiveIntegerField(_("序号"))
    at = models.DateTimeField(_("时间"))
    # no index of its own either: nothing asks for a person's events, and every event would write it
    # (a PROTECT check on deleting a person scans; people are deactivated, not deleted)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT,
                              db_index=False, related_name="+")
    kind = models.CharField(_("事件"), max_length=40)  # a code: a lifecycle action or a non-status event
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)  # field → [before, after]
    reason = models.TextField(_("原因/说明"), blank=True)

    class Meta:
        verbose_name = _("时间线事件")
        verbose_name_plural = _("时间线事件")
        ordering = ["complaint", "seq"]
        constraints = [models.UniqueConstraint(fields=["complaint", "seq"], name="uniq_event_seq")]
        indexes = [models.Index(fields=["kind", "at"], name="event_kind_at")]

    def __str__(self) -> str:
        return f"{self.complaint_id}#{self.seq} {self.kind}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("timeline events are append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("timeline events are append-only")


def attachment_path(instance: Attachment, filename: str) -> str:
    """Under the complaint's folder, by content hash and the name made safe (never a path of the sender's)."""
    return f"complaints/{instance.complaint_id}/{instance.sha256[:16]}-{safe_file_name(filename)}"


class Attachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class NumberCounter(models.Model):
    """The last number given in a scope (a year by default). Incremented inside the registering
    transaction, so a rolled-back registration gives its number back: no gaps."""

    scope = models.CharField(max_length=20, primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.scope}: {self.value}"
