from django.contrib import admin

from kesu.mailin.models import FailedAttempt, InboundMessage, MailAccount


@admin.register(MailAccount)
class MailAccountAdmin(admin.ModelAdmin):
    list_display = ("name", "host", "port", "username", "folder", "is_active", "last_polled_at", "last_error")


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "from_address", "subject", "outcome", "complaint", "reason")
    list_filter = ("outcome", "account")
    search_fields = ("from_address", "subject", "message_key")
    readonly_fields = [f.name for f in InboundMessage._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(FailedAttempt)
class FailedAttemptAdmin(admin.ModelAdmin):
    list_display = ("last_at", "account", "message_key", "attempts", "last_error")
    readonly_fields = [f.name for f in FailedAttempt._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
