from django.contrib import admin

from kesu.intake.models import WebhookDelivery, WebhookSource


@admin.register(WebhookSource)
class WebhookSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "channel", "is_active")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("received_at", "source", "message_id", "outcome", "complaint")
    list_filter = ("source", "outcome")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
