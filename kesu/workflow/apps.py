from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "kesu.workflow"
    label = "workflow"
    verbose_name = "处理流程"
    default_auto_field = "django.db.models.BigAutoField"
