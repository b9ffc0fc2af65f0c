from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntelligenceConfig(AppConfig):
    name = "kesu.intelligence"
    label = "intelligence"
    verbose_name = _("智能建议与案例库")
