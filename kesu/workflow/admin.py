"""Administrators mark an approver absent here (不在岗; issue 18): while it holds, a stage they would
decide goes to the stage's fallback (分管合伙人不在，则由主任或其他合伙人处理)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from kesu import audit
from kesu.workflow.models import ApproverAbsence


@admin.register(ApproverAbsence)
class ApproverAbsenceAdmin(admin.ModelAdmin):
    list_display = ("staff", "starts_at", "ends_at", "reason", "marked_by", "marked_at")
    fields = ("staff", "starts_at", "ends_at", "reason")
    list_filter = ("starts_at",)

    def save_model(self, request: HttpRequest, obj: ApproverAbsence, form: forms.Form, change: bool) -> None:
        now = timezone.now()
        if not change:
            obj.marked_by, obj.marked_at = request.user, now  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        audit.record("workflow.approver_absent", actor=request.user, now=now, target=("staff", obj.staff_id),
                     data={"starts_at": obj.starts_at.isoformat(),
                           "ends_at": obj.ends_at.isoformat() if obj.ends_at else None})
