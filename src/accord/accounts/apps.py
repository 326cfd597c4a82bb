from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accord.accounts"
    label = "accounts"
    verbose_name = "People and organisations"

    def ready(self) -> None:
        from accord.accounts import signals  # noqa: F401  (allauth's e-mail and password changes reach our services)
