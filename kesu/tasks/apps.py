from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "kesu.tasks"
    label = "kesu_tasks"
    verbose_name = _("后台任务")
