from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _create_cache_table(*, app_config: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """The shared cache's table (kesu_cache) comes with the schema: every migrate creates it if it
    is missing, so the portal's limits hold across workers from the first start (and in tests).
    post_migrate is sent once per app with models (kesu.ops has none): answer the sessions app's."""
    from django.core.management import call_command

    if app_config.label != "sessions":
        return
    call_command("createcachetable", database=using, verbosity=0)


class OpsConfig(AppConfig):
    name = "kesu.ops"
    label = "ops"
    verbose_name = _("运行")

    def ready(self) -> None:
        from kesu.ops import checks  # noqa: F401 — registers the production guard

        post_migrate.connect(_create_cache_table, dispatch_uid="kesu.ops.cache_table")
