from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "kesu.workflow"
    label = "workflow"
    verbose_name = _("处理流程")
    default_auto_field = "django.db.models.BigAutoField"
