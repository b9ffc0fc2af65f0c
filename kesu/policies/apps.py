from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "kesu.policies"
    label = "policies"
    verbose_name = _("投诉处理制度")

    def ready(self) -> None:
        # Issue 18: a policy's own roles (总裁办 …) carry the powers the policy in force gives them.
        from kesu.org.services import carry_powers
        from kesu.policies.services import active_roles, roles_in_force_anywhere

        carry_powers(active_roles, roles_in_force_anywhere)
