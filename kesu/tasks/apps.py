from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "kesu.tasks"
    label = "kesu_tasks"
    verbose_name = "后台任务"
