"""Administrators' views of the clock tables: the calendar year table, business hours, the
penalty ledger (filter, export to xlsx, waive with a reason) and extension requests."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from kesu.clocks import ledger
from kesu.clocks.models import BusinessHours, ComplaintClock, ExtensionRequest, HolidayYear, PenaltyEntry
from kesu.core.errors import KesuError


class WaiveForm(forms.ModelForm):
    class Meta:
        model = PenaltyEntry
        fields = ["waive_reason"]


@admin.register(PenaltyEntry)
class PenaltyEntryAdmin(admin.ModelAdmin):
    list_display = ("booked_at", "complaint", "reason", "staff", "department", "amount", "waived_at", "waive_reason")
    list_filter = (("booked_at", admin.DateFieldListFilter), "department", "staff", "kind")
    list_select_related = ("complaint", "staff", "department")
    date_hierarchy = "booked_at"
    actions = ["export_xlsx"]
    form = WaiveForm
    readonly_fields = ("complaint", "kind", "staff", "department", "amount", "booked_at", "reason", "waived_at",
                       "waived_by")
    fields = (*readonly_fields, "waive_reason")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PenaltyEntry, form: forms.Form, change: bool) -> None:
        try:
            ledger.waive(obj, actor=request.user, now=timezone.now(),  # type: ignore[arg-type]
                         reason=form.cleaned_data["waive_reason"])
        except KesuError as exc:
            self.message_user(request, exc.message(), messages.ERROR)

    @admin.action(description="导出所选记录为 Excel")
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet[PenaltyEntry]) -> HttpResponse:
        data = ledger.export_xlsx(queryset.select_related("complaint", "staff", "department").order_by("booked_at"))
        response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = 'attachment; filename="penalties.xlsx"'
        return response


@admin.register(ComplaintClock)
class ComplaintClockAdmin(admin.ModelAdmin):
    list_display = ("complaint", "name", "target", "started_at", "due_at", "breached_at", "stopped_at", "met",
                    "paused_at", "calendar_covered")
    list_filter = ("code", "met", "calendar_covered")
    list_select_related = ("complaint",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ComplaintClockAdmin):
    list_display = ("complaint", "clock", "kind", "extension", "state", "requested_by", "requested_at", "decided_by")
    list_filter = ("state", "kind")
    list_select_related = ("complaint", "clock", "requested_by", "decided_by")


admin.site.register(HolidayYear)
admin.site.register(BusinessHours)
