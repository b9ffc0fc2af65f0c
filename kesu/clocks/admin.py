"""Administrators' views of the clock tables: the calendar year table, business hours, the
penalty ledger (filter, export to xlsx, waive with a reason) and extension requests."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _lazy

from kesu.clocks import calendar, ledger
from kesu.clocks.models import BusinessHours, ComplaintClock, ExtensionRequest, HolidayYear, PenaltyEntry
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.lifecycle import role_said
from kesu.core.policy.durations import Duration
from kesu.core.workcalendar import BusinessHours as BusinessHoursRule
from kesu.core.workcalendar import YearTable
from kesu.policies.services import active_version, policy_of


def _lang() -> str:
    return get_language() or "zh-hans"


def _english() -> bool:
    return _lang().startswith("en")


def clock_said(k: ComplaintClock) -> str:
    """A complaint's clock by the name its policy gives it: ``name_en`` on an English page (as the
    notices say ``clock_en``), the stored name otherwise or when the policy has no English."""
    return k.shown_name(_lang())


class ClockFilter(admin.SimpleListFilter):
    """The clocks by name in the reader's language (the codes stay in the address)."""

    title = _lazy("时限")
    parameter_name = "code"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        names: dict[str, str] = {}
        with suppress(KesuError):  # no policy in force: the stored names below
            names = {x.code: x.name_en or x.name if _english() else x.name for x in policy_of(active_version()).clocks}
        stored = dict(ComplaintClock.objects.order_by().values_list("code", "name").distinct())
        return sorted(((code, names.get(code) or name) for code, name in stored.items()), key=lambda x: x[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(code=self.value()) if self.value() else queryset


def _with_versions(queryset: QuerySet[Any], path: str) -> QuerySet[Any]:
    """Each row's complaint's policy version in the same query, without its (large) texts."""
    return queryset.select_related(f"{path}policy_version").defer(
        *(f"{path}policy_version__{f}" for f in ("document", "source_text")))


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
            self.message_user(request, exc.message(_lang()), messages.ERROR)

    @admin.action(description=_lazy("导出所选记录为 Excel"))
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet[PenaltyEntry]) -> HttpResponse:
        data = ledger.export_xlsx(queryset.select_related("complaint", "staff", "department").order_by("booked_at"),
                                  _lang())
        response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = 'attachment; filename="penalties.xlsx"'
        return response


@admin.register(ComplaintClock)
class ComplaintClockAdmin(admin.ModelAdmin):
    list_display = ("complaint", "clock_name", "target_shown", "started_at", "due_at", "breached_at", "stopped_at",
                    "met", "paused_at", "calendar_covered")
    # the one page of a clock: its names and words, never its codes (first_response, working, 24h, dept_manager)
    fields = ("complaint", "clock_name", "mode_shown", "target_shown", "role_shown", "started_at", "due_at", "warn_at",
              "warned_at", "breached_at", "stopped_at", "met", "late_seconds", "cancelled_at", "paused_at", "pauses",
              "calendar_covered")
    readonly_fields = fields
    list_filter = (ClockFilter, "met", "calendar_covered")
    list_select_related = ("complaint",)
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return _with_versions(super().get_queryset(request), "complaint__")

    @admin.display(description=ComplaintClock._meta.get_field("name").verbose_name, ordering="name")
    def clock_name(self, k: ComplaintClock) -> str:
        return clock_said(k)

    @admin.display(description=ComplaintClock._meta.get_field("mode").verbose_name)
    def mode_shown(self, k: ComplaintClock) -> str:
        return str(_lazy("工作时间") if k.mode == "working" else _lazy("日历时间"))

    @admin.display(description=ComplaintClock._meta.get_field("target").verbose_name, ordering="target")
    def target_shown(self, k: ComplaintClock) -> str:
        try:
            return Duration.parse(k.target).spoken(_lang(), k.mode == "working")
        except ValueError:
            return k.target

    @admin.display(description=ComplaintClock._meta.get_field("responsible_role").verbose_name)
    def role_shown(self, k: ComplaintClock) -> str:
        policy = policy_of(k.complaint.policy_version)  # the policy's own role (店长 …) by its own names
        if policy.role(k.responsible_role) is not None:
            return policy.role_label(k.responsible_role, _lang())
        return role_said(k.responsible_role).in_language(_lang())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ComplaintClockAdmin):
    list_display = ("complaint", "clock_of", "kind", "extension", "state", "requested_by", "requested_at",
                    "decided_by")
    list_filter = ("state", "kind")
    list_select_related = ("complaint", "clock", "requested_by", "decided_by")
    fields = None  # the request's own fields (the clock's page lists the clock's)
    readonly_fields = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return _with_versions(super(ComplaintClockAdmin, self).get_queryset(request), "clock__complaint__")

    @admin.display(description=_lazy("时限"))
    def clock_of(self, req: ExtensionRequest) -> str:
        return clock_said(req.clock)


def _field_errors(exc: ValidationFailed) -> list[str]:
    return [e.message(_lang()) for e in exc.errors]


class HolidayYearForm(forms.ModelForm):
    holidays_text = forms.CharField(label=_lazy("法定节假日（每行一个日期，YYYY-MM-DD）"), widget=forms.Textarea,
                                    required=False)
    workdays_text = forms.CharField(label=_lazy("调休上班日（每行一个日期）"), widget=forms.Textarea, required=False)

    class Meta:
        model = HolidayYear
        fields = ["year"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["holidays_text"].initial = "\n".join(self.instance.holidays)
            self.fields["workdays_text"].initial = "\n".join(self.instance.workdays)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["holidays"] = [x.strip() for x in data.get("holidays_text", "").splitlines() if x.strip()]
        data["workdays"] = [x.strip() for x in data.get("workdays_text", "").splitlines() if x.strip()]
        if data.get("year"):
            try:
                YearTable.from_lists(data["year"], holidays=data["holidays"], workdays=data["workdays"])
            except ValidationFailed as exc:
                raise forms.ValidationError(_field_errors(exc)) from None
        return data


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    form = HolidayYearForm
    list_display = ("year", "source", "updated_at", "updated_by")

    def save_model(self, request: HttpRequest, obj: HolidayYear, form: forms.Form, change: bool) -> None:
        saved = calendar.save_year(year=form.cleaned_data["year"], holidays=form.cleaned_data["holidays"],
                                   workdays=form.cleaned_data["workdays"], actor=request.user, now=timezone.now())
        obj.pk = saved.pk


class BusinessHoursForm(forms.ModelForm):
    class Meta:
        model = BusinessHours
        fields = ["department", "unit", "weekly", "open_on_holidays"]
        help_texts = {"weekly": format_lazy('{} {{"mon": ["08:30-12:00", "13:30-18:00"], "sat": ["10:00-22:00"]}}',
                                            _lazy("例如"))}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        weekly = data.get("weekly")
        if data.get("department") and data.get("unit"):
            raise forms.ValidationError(_lazy("营业时间属于一个部门或一个业务单位，不能同时选两者"))
        if not isinstance(weekly, dict):
            raise forms.ValidationError(_lazy("营业时间须为 {星期: [时段…]} 结构"))
        try:
            BusinessHoursRule.parse(weekly, open_on_holidays=bool(data.get("open_on_holidays")))
        except ValidationFailed as exc:
            raise forms.ValidationError(_field_errors(exc)) from None
        return data


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    form = BusinessHoursForm
    list_display = ("__str__", "weekly", "open_on_holidays", "updated_at")

    def save_model(self, request: HttpRequest, obj: BusinessHours, form: forms.Form, change: bool) -> None:
        saved = calendar.save_business_hours(department=form.cleaned_data["department"],
                                             weekly=form.cleaned_data["weekly"],
                                             open_on_holidays=form.cleaned_data["open_on_holidays"], now=timezone.now(),
                                             actor=request.user, unit=form.cleaned_data.get("unit"))
        obj.pk = saved.pk
