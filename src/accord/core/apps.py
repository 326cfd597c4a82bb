from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "accord.core"
    label = "core"
    verbose_name = "Accord core"

    def ready(self) -> None:
        from accord.core import checks, signals  # noqa: F401  (audit key checks; login and logout reach the audit trail)
