from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kesu.api"
    label = "api"
    verbose_name = "REST API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kesu.api import middleware  # noqa: F401 — registers the browser layers' check
