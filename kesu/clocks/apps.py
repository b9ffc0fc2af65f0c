from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ClocksConfig(AppConfig):
    name = "kesu.clocks"
    label = "clocks"
    verbose_name = _("时限与扣罚")

    def ready(self) -> None:
        post_migrate.connect(_seed_calendar, sender=self)


def _seed_calendar(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After migrate (and after a test flush): the statutory years chinese-calendar knows."""
    from django.utils import timezone

    from kesu.clocks.calendar import seed_missing_years

    seed_missing_years(timezone.now())
