from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _lazy

from kesu.org.models import Department, DeputyDesignation, Staff, StaffRole


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 1


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    list_display = ("username", "display_name", "phone", "is_active")
    search_fields = ("username", "display_name", "phone")
    inlines = [StaffRoleInline]
    fieldsets = (
        *UserAdmin.fieldsets,
        (_lazy("客诉"), {"fields": ("display_name", "phone", "departments")}),
    )
    filter_horizontal = ("departments", "groups", "user_permissions")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "manager", "is_location", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("parent", "manager")


@admin.register(DeputyDesignation)
class DeputyDesignationAdmin(admin.ModelAdmin):
    list_display = ("department", "deputy", "starts_at", "ends_at", "revoked_at")
    list_select_related = ("department", "deputy")
