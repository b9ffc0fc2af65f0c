"""What the intelligence keeps (SPEC F13): the administrator's settings, the learned model versions
with their measured quality, the suggestions made for each complaint, each complaint's vector
(once), the repeated complaints found, and the case library (投诉案例库)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kesu.complaints.models import Complaint


class Settings(models.Model):
    """One row (pk 1): what the administrator sets."""

    min_confidence = models.FloatField(_("建议最低置信度"), default=0.6,
                                       help_text=_("低于此置信度的建议不显示（0–1）"))
    retrain_hours = models.PositiveIntegerField(_("自动重新训练间隔（小时）"), default=24)
    repeat_threshold = models.FloatField(_("同一问题相似度阈值"), default=0.2,
                                         help_text=_("意思相近的程度（0–1），达到即视为同一问题"))
    duplicate_threshold = models.FloatField(_("重复投诉（可合并）相似度阈值"), default=0.6,
                                            help_text=_("用字相同的程度（0–1），达到即视为同一投诉再次提出，可合并"))
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("智能建议设置")
        verbose_name_plural = _("智能建议设置")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class ModelVersion(models.Model):
    """One training run: the model learned from the confirmed complaints, and how well it did on
    the rows it held out. The newest with a model is the one in use."""

    number = models.PositiveIntegerField(_("版本号"), unique=True)
    trained_at = models.DateTimeField(_("训练时间"))
    trained_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("触发人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")  # None: the schedule
    policy_code = models.CharField(_("制度编码"), max_length=40)
    examples = models.PositiveIntegerField(_("已确认的投诉数"), default=0)
    last_complaint_id = models.PositiveBigIntegerField(default=0)  # the newest confirmed complaint it saw
    quality = models.JSONField(_("质量"), default=dict)  # field → accuracy, macro-F1, per label, examples
    seconds = models.FloatField(_("训练用时（秒）"), default=0)
    blob = models.BinaryField(_("模型"), null=True, blank=True)  # None: too few examples (the policy's words answer)

    class Meta:
        verbose_name = _("建议模型版本")
        verbose_name_plural = _("建议模型版本")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number}"


FIELDS = {"category": ("类别", "Category"), "level": ("级别", "Level"), "validity": ("有效性", "Validity"),
          "department": ("责任部门", "Department")}


class Suggestion(models.Model):
    """What was suggested for a complaint at registration: the value, how sure, and why."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="+", db_index=False)
    field = models.CharField(_("字段"), max_length=20, choices=[(k, v[0]) for k, v in FIELDS.items()])
    value = models.CharField(_("建议值"), max_length=60)
    confidence = models.FloatField(_("置信度"))
    words = models.JSONField(_("依据"), default=list)
    source = models.CharField(_("来源"), max_length=10)  # "model" (learned) or "policy" (the policy's words)
    model_version = models.PositiveIntegerField(_("模型版本"), null=True, blank=True)
    made_at = models.DateTimeField(_("生成时间"))

    class Meta:
        verbose_name = _("智能建议")
        verbose_name_plural = _("智能建议")
        constraints = [models.UniqueConstraint(fields=["complaint", "field"], name="intel_suggestion_once")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.field}={self.value}"


class Vector(models.Model):
    """A complaint's text as a meaning vector (float16, stored once; made after commit)."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, primary_key=True, related_name="+")
    vector = models.BinaryField()
    made_at = models.DateTimeField()

    class Meta:
        verbose_name = _("语义向量")
        verbose_name_plural = _("语义向量")

    def __str__(self) -> str:
        return str(self.complaint_id)


class Repeat(models.Model):
    """A complaint that repeats an earlier one within the policy's window: the same customer (their
    phone's, e-mail's or card's blind index) or the same problem (similar words; the same product,
    order or place counts for it)."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("同一客户")
        PROBLEM = "problem", _("同一问题")

    class Verdict(models.TextChoices):
        UNDECIDED = "", _("未判定")
        SAME = "same", _("是同一问题")
        DIFFERENT = "different", _("不是同一问题")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="+")
    earlier = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    score = models.FloatField(_("相似度"), default=1.0)
    duplicate = models.BooleanField(_("疑似重复（可合并）"), default=False)
    same = models.JSONField(_("相同之处"), default=list)  # phone, product, order, place …
    found_at = models.DateTimeField(_("发现时间"))
    # A person's decision on the flag (what the pair model learns from, with the merges):
    # "same" 是同一问题 (confirmed), "different" 不是同一问题 (dismissed); "" not decided yet.
    verdict = models.CharField(_("人工判定"), max_length=10, blank=True, default="", choices=Verdict.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("判定人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("判定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("重复投诉")
        verbose_name_plural = _("重复投诉")
        constraints = [models.UniqueConstraint(fields=["complaint", "earlier", "kind"], name="intel_repeat_once")]
        indexes = [models.Index(fields=["found_at"], name="intel_repeat_found"),
                   models.Index(fields=["decided_at"], name="intel_repeat_decided")]

    def __str__(self) -> str:
        return f"{self.complaint_id} ← {self.earlier_id} ({self.kind})"


class Case(models.Model):
    """One entry of the case library (投诉案例库): a closed case's problem, cause, solution and outcome,
    personal data removed, with its meaning vector."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, primary_key=True, related_name="+")
    category = models.CharField(_("类别"), max_length=40, blank=True)
    level = models.CharField(_("级别"), max_length=40, blank=True)
    problem = models.TextField(_("问题"))
    cause = models.TextField(_("原因"), blank=True)
    solution = models.TextField(_("解决办法"), blank=True)
    outcome = models.TextField(_("结果"), blank=True)
    closed_at = models.DateTimeField(_("结案时间"))
    vector = models.BinaryField(null=True, blank=True)
    built_at = models.DateTimeField()

    class Meta:
        verbose_name = _("投诉案例")
        verbose_name_plural = _("投诉案例库")
        ordering = ["-closed_at"]

    def __str__(self) -> str:
        return self.problem[:30]

    @property
    def text(self) -> str:
        return "\n".join(t for t in (self.problem, self.cause, self.solution, self.outcome) if t)


class Mark(models.Model):
    """How far a background pass has read (a high-water mark): the case library's pass reads the
    timeline written since its last run, never every complaint from the oldest again."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("处理进度")
        verbose_name_plural = _("处理进度")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
