from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "accord.core"
    label = "core"
    verbose_name = "Accord core"

    def ready(self) -> None:
        from accord.core import signals  # noqa: F401  (login and logout reach the audit trail)
