from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "kesu.intake"
    label = "intake"
    verbose_name = _("多渠道受理")
    default_auto_field = "django.db.models.BigAutoField"
