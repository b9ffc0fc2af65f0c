from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "kesu.policies"
    label = "policies"
    verbose_name = _("投诉处理制度")
