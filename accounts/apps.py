from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Who may come in: two-factor sign-in, sign-in throttling, staff sessions, staff accounts."""

    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Stamps the sign-in time on the session at every login, including the first one after
        # startup, which happens before any middleware module has been imported.
        from . import security  # noqa: F401
