from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "kesu.intake"
    label = "intake"
    verbose_name = "多渠道受理"
    default_auto_field = "django.db.models.BigAutoField"
