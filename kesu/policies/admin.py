"""Administrators edit, publish, import and export policy versions here (SPEC F1)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _lazy

from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.policy import load_policy
from kesu.policies import services
from kesu.policies.models import PolicyVersion


class PolicyVersionForm(forms.ModelForm):
    source_text = forms.CharField(
        label=_lazy("制度文件（YAML）"),
        widget=forms.Textarea(attrs={"rows": 40, "cols": 110, "style": "font-family:monospace"}),
    )
    upload = forms.FileField(label=_lazy("或导入制度文件"), required=False,
                             help_text=_lazy("上传 .yaml 文件，将替换上面的内容"))

    class Meta:
        model = PolicyVersion
        fields = ["unit", "source_text", "note"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        upload = data.get("upload")
        if upload:
            try:
                data["source_text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError(_lazy("制度文件必须是 UTF-8 编码的文本")) from None
        text = data.get("source_text")
        if text:
            try:
                load_policy(text)
            except ValidationFailed as exc:
                raise forms.ValidationError([e.message() for e in exc.errors]) from None
        return data


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    form = PolicyVersionForm
    list_display = ("number", "name", "code", "unit", "state", "published_at", "note", "export_link")
    list_filter = ("state", "unit")  # F16: each business unit's versions
    actions = ["publish_selected"]

    def get_readonly_fields(self, request: HttpRequest, obj: PolicyVersion | None = None) -> tuple[str, ...]:
        if obj is not None and obj.state != PolicyVersion.State.DRAFT:
            return ("unit", "source_text", "note", "state", "published_at", "published_by")
        return ("state", "unit") if obj is not None else ("state",)

    def get_fields(self, request: HttpRequest, obj: PolicyVersion | None = None) -> list[str]:
        if obj is not None and obj.state != PolicyVersion.State.DRAFT:
            return ["state", "unit", "published_at", "published_by", "note", "source_text"]
        return ["state", "unit", "note", "source_text", "upload"] if obj else ["unit", "note", "source_text", "upload"]

    def save_model(self, request: HttpRequest, obj: PolicyVersion, form: forms.Form, change: bool) -> None:
        text = form.cleaned_data["source_text"]
        note = form.cleaned_data.get("note", "")
        if change:
            saved = services.update_draft(version=obj, text=text, note=note)
        else:
            saved = services.create_draft(text=text, actor=request.user, now=timezone.now(), note=note,  # type: ignore[arg-type]
                                          unit=form.cleaned_data.get("unit"))
        obj.pk, obj.number = saved.pk, saved.number

    def has_delete_permission(self, request: HttpRequest, obj: PolicyVersion | None = None) -> bool:
        return obj is not None and obj.state == PolicyVersion.State.DRAFT and super().has_delete_permission(request)

    @admin.action(description=_lazy("发布所选草稿（成为现行制度）"))
    def publish_selected(self, request: HttpRequest, queryset: object) -> None:
        for version in queryset:  # type: ignore[attr-defined]
            try:
                services.publish(version=version, actor=request.user, now=timezone.now())  # type: ignore[arg-type]
                self.message_user(request, _lazy("已发布 %(name)s v%(number)s") % {"name": version.name,
                                                                            "number": version.number},
                                  messages.SUCCESS)
            except KesuError as exc:
                self.message_user(request, f"v{version.number}：{exc.message()}", messages.ERROR)

    @admin.display(description=_lazy("导出"))
    def export_link(self, obj: PolicyVersion) -> str:
        return format_html('<a href="{}/export/">{}</a>', obj.pk, _lazy("下载 YAML"))

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path("<int:pk>/export/", self.admin_site.admin_view(self.export_view), name="policies_export"),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = get_object_or_404(PolicyVersion, pk=pk)
        response = HttpResponse(services.export_text(version), content_type="application/yaml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{version.code}-v{version.number}.yaml"'
        return response
