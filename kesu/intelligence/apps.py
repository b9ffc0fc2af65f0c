from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "kesu.intelligence"
    label = "intelligence"
    verbose_name = "智能建议与案例库"
