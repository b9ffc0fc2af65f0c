from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _lazy

from kesu import audit
from kesu.core.roles import ROLE_LABELS
from kesu.org.models import Department, DeputyDesignation, Staff, StaffRole, Unit
from kesu.org.services import every_policy_role


def role_choices() -> list[tuple[str, str]]:
    """Kesu's roles and the ones the policies in force name in any unit (总裁办, 店长 …, issue 18), by name in the
    reader's language (asked per form: the language of the request)."""
    english = (get_language() or "").startswith("en")
    return [*((r.value, en if english else zh) for r, (zh, en) in ROLE_LABELS.items()),
            *((r.code, f"{(r.name_en or r.name) if english else r.name}（{r.code}）") for r in every_policy_role())]


# Django writes a permission's name once, at migration, in the default language (「Can add 业务单位」):
# the forms name it from its model instead, in the reader's language.
PERMISSION_ACTIONS = {"add": _lazy("可新增%(model)s"), "change": _lazy("可修改%(model)s"),
                      "delete": _lazy("可删除%(model)s"), "view": _lazy("可查看%(model)s")}


def permission_label(p: Permission) -> str:
    model = p.content_type.model_class()
    action = p.codename.split("_", 1)[0]
    if model is None or action not in PERMISSION_ACTIONS or p.codename != f"{action}_{model._meta.model_name}":
        return str(p)  # a permission of its own: its name as written
    return f"{p.content_type} | {PERMISSION_ACTIONS[action] % {'model': model._meta.verbose_name}}"


class PermissionChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return permission_label(obj)


class PermissionsInLanguage:
    """Admin mixin: the permission pickers list each permission in the reader's language."""

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["form_class"] = PermissionChoices
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


admin.site.unregister(Group)


@admin.register(Group)
class KesuGroupAdmin(PermissionsInLanguage, GroupAdmin):
    pass


class StaffRoleForm(forms.ModelForm):
    role = forms.ChoiceField(label=_lazy("角色"), choices=role_choices)

    class Meta:
        model = StaffRole
        fields = ["role"]


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    form = StaffRoleForm
    extra = 1


@admin.register(Staff)
class StaffAdmin(PermissionsInLanguage, UserAdmin):
    list_display = ("username", "display_name", "phone", "unit", "is_active")
    list_filter = ("unit", "is_active")
    search_fields = ("username", "display_name", "phone")
    inlines = [StaffRoleInline]
    fieldsets = (
        *UserAdmin.fieldsets,
        (_lazy("客诉"), {"fields": ("display_name", "phone", "unit", "departments")}),
    )
    filter_horizontal = ("departments", "groups", "user_permissions")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """A change of roles or of the admin flags goes into the audit chain (SPEC F12)."""
        staff = form.instance
        before = sorted(StaffRole.objects.filter(staff=staff).values_list("role", flat=True))
        super().save_related(request, form, formsets, change)
        after = sorted(StaffRole.objects.filter(staff=staff).values_list("role", flat=True))
        flags = {name: [form.initial.get(name), form.cleaned_data.get(name)]
                 for name in ("is_active", "is_staff", "is_superuser") if name in form.changed_data}
        if before != after or flags or not change:
            audit.record("org.roles_changed", actor=request.user, now=timezone.now(), target=("staff", staff.pk),
                         data={"roles": [before, after], **flags})


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "name_en", "kind", "parent", "is_active"]

    def clean_parent(self) -> Unit | None:
        parent: Unit | None = self.cleaned_data.get("parent")
        if parent is not None and self.instance.pk is not None:
            from kesu.org.units import tree

            if parent.pk in tree(fresh=True).subtree(self.instance.pk):
                raise forms.ValidationError(_lazy("上级单位不能是本单位或其下级单位"))
        return parent


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    """F16: the group's units — a tree; each unit's policy is a policy version for it (制度版本),
    its hours a business-hours row for it (营业时间)."""

    form = UnitForm
    list_display = ("code", "name", "name_en", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "name_en")
    list_select_related = ("parent",)

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record("org.unit_saved", actor=request.user, now=timezone.now(), target=("unit", obj.pk),
                     data={"code": obj.code, "parent": obj.parent_id, "kind": obj.kind, "active": obj.is_active})


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "unit", "parent", "manager", "is_location", "is_active")
    list_filter = ("unit",)
    search_fields = ("code", "name", "name_en")
    list_select_related = ("parent", "manager", "unit")


@admin.register(DeputyDesignation)
class DeputyDesignationAdmin(admin.ModelAdmin):
    list_display = ("department", "deputy", "starts_at", "ends_at", "revoked_at")
    list_select_related = ("department", "deputy")

    def save_model(self, request: HttpRequest, obj: DeputyDesignation, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record("org.deputy_changed", actor=request.user, now=timezone.now(),
                     target=("department", obj.department_id),
                     data={"designation": obj.pk, "deputy": obj.deputy_id, "fields": sorted(form.changed_data)})

    def delete_model(self, request: HttpRequest, obj: DeputyDesignation) -> None:
        audit.record("org.deputy_deleted", actor=request.user, now=timezone.now(),
                     target=("department", obj.department_id),
                     data={"designation": obj.pk, "deputy": obj.deputy_id})
        super().delete_model(request, obj)
