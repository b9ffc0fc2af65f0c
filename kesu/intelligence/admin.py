from django.contrib import admin

from kesu.intelligence.models import Case, ModelVersion, Repeat, Settings


@admin.register(Settings)
class SettingsAdmin(admin.ModelAdmin):
    list_display = ("min_confidence", "retrain_hours", "repeat_threshold", "duplicate_threshold", "updated_at")
    readonly_fields = ("updated_at", "updated_by")


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("number", "trained_at", "trained_by", "examples", "seconds")
    exclude = ("blob",)
    readonly_fields = ("number", "trained_at", "trained_by", "policy_code", "examples", "last_complaint_id",
                       "quality", "seconds")


@admin.register(Repeat)
class RepeatAdmin(admin.ModelAdmin):
    list_display = ("complaint", "earlier", "kind", "score", "duplicate", "found_at")
    list_filter = ("kind", "duplicate")
    raw_id_fields = ("complaint", "earlier")


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("complaint", "category", "closed_at")
    search_fields = ("problem", "cause", "solution")
    raw_id_fields = ("complaint",)
