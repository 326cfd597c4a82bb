from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "accord.core"
    label = "core"
    verbose_name = "Accord core"

    def ready(self) -> None:
        from accord.core import checks, signals, visibility_checks  # noqa: F401  (system checks; sign-ins reach the audit trail)
