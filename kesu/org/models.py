"""The organisation: departments (a tree), staff with roles, and designated deputies (SPEC roles)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kesu.core.roles import ROLE_LABELS
from kesu.core.units import UNIT_KINDS
from kesu.db.labels import choices


class Unit(models.Model):
    """A business unit (SPEC F16): the group, a region, a store, a branch, a hub — a tree. Each
    unit is under its own published policy version and business hours (falling back on the unit
    above, then the installation's own); complaints belong to one. An installation without units
    works as before."""

    code = models.SlugField(_("单位编码"), max_length=60, unique=True)
    name = models.CharField(_("单位名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    kind = models.CharField(_("单位类型"), max_length=12, choices=choices(UNIT_KINDS),
                            default="store")
    parent = models.ForeignKey("self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("业务单位")
        verbose_name_plural = _("业务单位")
        ordering = ["code"]

    def __str__(self) -> str:  # by its English name on an English page, when it has one
        return self.name_en if self.name_en and (get_language() or "").startswith("en") else self.name


class Department(models.Model):
    code = models.SlugField(_("编码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    manager = models.ForeignKey(
        "Staff", verbose_name=_("部门经理"), null=True, blank=True, on_delete=models.SET_NULL, related_name="manages"
    )
    is_location = models.BooleanField(_("营业场所（门店等）"), default=False)
    unit = models.ForeignKey(Unit, verbose_name=_("业务单位"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="departments")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["code"]

    def __str__(self) -> str:  # by its English name on an English page, when it has one
        return self.name_en if self.name_en and (get_language() or "").startswith("en") else self.name


class Staff(AbstractUser):
    """A person with a staff account. Customers have none (SPEC F10)."""

    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    departments = models.ManyToManyField(Department, verbose_name=_("所属部门"), blank=True, related_name="members")
    # F16: the unit this person works in: they register for it and see its cases (and those of the
    # units below it); empty, or the top unit, sees the whole organisation as before.
    unit = models.ForeignKey(Unit, verbose_name=_("业务单位"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="staff")

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工")

    def __str__(self) -> str:
        if self.username in SERVICE_ACCOUNTS and (get_language() or "").startswith("en"):
            return SERVICE_ACCOUNTS[self.username]  # the system's own names read in the reader's language
        return self.display_name or self.username


# The intake channels' service accounts (kesu.portal, kesu.mailin, kesu.intake.webhook) act on the
# timeline under these names; their Chinese names are stored as their display_name.
SERVICE_ACCOUNTS = {"portal": "Customer portal", "mail-intake": "Mail intake", "channel-intake": "Channel intake"}


class StaffRole(models.Model):
    """A role a person holds: a built-in one (kesu.core.roles) or one the policy in force names
    (总裁办, 店长, 合伙人 … issue 18); the admin offers both."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="role_rows")
    role = models.CharField(_("角色"), max_length=40)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [models.UniqueConstraint(fields=["staff", "role"], name="uniq_staff_role")]

    def __str__(self) -> str:
        zh, en = ROLE_LABELS.get(self.role, (self.role, self.role))  # type: ignore[call-overload]
        return str(en if (get_language() or "").startswith("en") else zh)


class DeputyDesignation(models.Model):
    """责任代理人: a department manager names a deputy who acts for them while designated."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="deputies")
    deputy = models.ForeignKey(Staff, verbose_name=_("代理人"), on_delete=models.CASCADE, related_name="deputy_for")
    designated_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("起始"))
    ends_at = models.DateTimeField(_("截止"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销于"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("责任代理人")
        verbose_name_plural = _("责任代理人")
        indexes = [models.Index(fields=["department", "deputy"])]

    def __str__(self) -> str:
        return f"{self.department} → {self.deputy}"

    @staticmethod
    def active_q(now: object) -> Q:
        return Q(starts_at__lte=now, revoked_at__isnull=True) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))
