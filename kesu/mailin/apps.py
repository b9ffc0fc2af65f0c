from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailinConfig(AppConfig):
    name = "kesu.mailin"
    label = "mailin"
    verbose_name = _("邮件受理")
    default_auto_field = "django.db.models.BigAutoField"
