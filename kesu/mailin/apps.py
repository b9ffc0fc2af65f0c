from django.apps import AppConfig


class MailinConfig(AppConfig):
    name = "kesu.mailin"
    label = "mailin"
    verbose_name = "邮件受理"
    default_auto_field = "django.db.models.BigAutoField"
