from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "kesu.audit"
    label = "audit"
    verbose_name = _("审计链")

    def ready(self) -> None:
        from django.db import connections
        from django.db.backends.signals import connection_created

        from kesu.audit.guard import on_connection

        connection_created.connect(on_connection, dispatch_uid="kesu.audit.guard")
        from django.db.models.signals import post_delete, post_save

        from kesu.audit import services

        for model in services.record_models():  # the handling records: each write an entry
            post_save.connect(services.on_saved, sender=model, dispatch_uid=f"kesu.audit.saved.{model._meta.label}")
            post_delete.connect(services.on_deleted, sender=model,
                                dispatch_uid=f"kesu.audit.deleted.{model._meta.label}")
        for conn in connections.all(initialized_only=True):  # opened before the app was ready
            if conn.connection is not None:
                on_connection(conn.vendor, conn)
