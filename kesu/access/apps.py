from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "kesu.access"
    label = "access"
    verbose_name = _("个人信息查看")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib import admin

        from kesu.access.admin import guard_site

        guard_site(admin.site)  # every admin module is loaded by now (django.contrib.admin comes first)
