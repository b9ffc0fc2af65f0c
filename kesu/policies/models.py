"""Policy versions (SPEC F1). A published version is frozen: complaints keep the one they were
registered under, and publishing a newer one never touches them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kesu.org.models import Unit


class PolicyVersion(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("现行")
        SUPERSEDED = "superseded", _("已被取代")

    number = models.PositiveIntegerField(_("版本号"), unique=True)
    code = models.CharField(_("制度编码"), max_length=40)
    name = models.CharField(_("制度名称"), max_length=100)
    document = models.JSONField(_("制度内容"))  # canonical form, as kesu.core.policy.io.policy_to_data
    source_text = models.TextField(_("制度文件（YAML）"))  # as the administrator wrote it, comments included
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.DRAFT, db_index=True)
    # F16: the business unit this version is for; empty — the installation's own, which every unit
    # without a published version of its own (nor one above it) is under. Publishing supersedes
    # only the same unit's version.
    unit = models.ForeignKey(Unit, verbose_name=_("业务单位"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="policy_versions")
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("制度版本")
        verbose_name_plural = _("制度版本")
        ordering = ["-number"]
        indexes = [models.Index(fields=["state", "unit"], name="policy_state_unit")]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}{_('（')}{self.get_state_display()}{_('）')}"
