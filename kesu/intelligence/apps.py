from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntelligenceConfig(AppConfig):
    name = "kesu.intelligence"
    label = "intelligence"
    verbose_name = _("智能建议与案例库")

    def ready(self) -> None:
        from kesu.intelligence import services
        from kesu.privacy.anonymise import anonymised

        # retention and a customer's erasure (kesu.privacy): what this app keeps of the case goes too
        anonymised.connect(services.on_anonymised, dispatch_uid="kesu.intelligence.forget")
