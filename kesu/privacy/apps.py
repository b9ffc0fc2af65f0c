from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "kesu.privacy"
    label = "privacy"
    verbose_name = "个人信息保护"

    def ready(self) -> None:
        from kesu.privacy import login

        login.connect()
