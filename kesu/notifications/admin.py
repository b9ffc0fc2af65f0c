from django.contrib import admin

from kesu.notifications.models import Notification, OutboundEmail


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "complaint", "read_at")
    list_filter = ("kind",)
    list_select_related = ("recipient", "complaint")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "to_address", "subject", "state", "attempts", "sent_at", "last_error")
    list_filter = ("state",)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
