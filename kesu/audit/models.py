"""The audit chain's one table (SPEC F12). Append-only: the model refuses to save twice or delete,
and migration 0002's triggers refuse UPDATE and DELETE at the database on both engines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.translation import gettext_lazy as _


class ChainSeqField(models.BigIntegerField):  # type: ignore[type-arg]
    """The chain's position as the primary key. On SQLite declared ``integer``, so it is the table's
    rowid: a ``bigint`` primary key is a unique index beside the rowid, a second B-tree that every
    registration wrote (bench/README.md, stop 28). Both hold 64-bit integers."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        return "integer" if connection.vendor == "sqlite" else super().db_type(connection)


class AuditEntry(models.Model):
    seq = ChainSeqField(_("序号"), primary_key=True)  # 1, 2, 3 … without gaps
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT,
                              db_index=False, related_name="+")
    kind = models.CharField(_("类型"), max_length=60)
    target_type = models.CharField(_("对象类型"), max_length=40)
    target_id = models.CharField(_("对象"), max_length=64)
    data = models.TextField(_("内容"))  # canonical JSON, hashed exactly as stored
    key_id = models.CharField(_("密钥"), max_length=12)
    prev_hash = models.CharField(_("前序哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.target_type}:{self.target_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit entries are append-only")
