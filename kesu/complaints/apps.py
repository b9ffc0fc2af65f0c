from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "kesu.complaints"
    label = "complaints"
    verbose_name = _("投诉")

    def ready(self) -> None:
        post_migrate.connect(fill_empty_search_index, sender=self)
        from kesu.complaints import notices

        notices.install()  # the outbox learns what a message needs of a complaint (issue 16)


def fill_empty_search_index(using: str = "default", **kwargs: Any) -> None:
    """An installation that had complaints before the search index existed gets them indexed once,
    on the migrate that creates it (later, ``rebuild_search_index`` does it on demand)."""
    from kesu.complaints import search

    if search.needs_filling(using):
        search.rebuild()
