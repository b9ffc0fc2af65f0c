from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "kesu.policies"
    label = "policies"
    verbose_name = "投诉处理制度"
