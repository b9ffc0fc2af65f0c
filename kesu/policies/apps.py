from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "kesu.policies"
    label = "policies"
    verbose_name = "投诉处理制度"

    def ready(self) -> None:
        # Issue 18: a policy's own roles (总裁办 …) carry the powers the policy in force gives them.
        from kesu.org.services import carry_powers
        from kesu.policies.services import active_roles

        carry_powers(active_roles)
