from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "kesu.portal"
    label = "portal"
    verbose_name = _("客户自助平台")

    def ready(self) -> None:
        # issue 16: the customer's messages carry the rating and tracking links of the portal
        from django.urls import reverse

        from kesu.notifications.outbox import LINKS
        from kesu.portal.services import rating_token

        class _Ref:  # rating_token reads only the primary key
            def __init__(self, pk: int) -> None:
                self.pk = pk

        LINKS["rating"] = lambda pk: reverse("portal:rate", args=[rating_token(_Ref(pk))])  # type: ignore[arg-type]
        LINKS["track"] = lambda pk: reverse("portal:track")
