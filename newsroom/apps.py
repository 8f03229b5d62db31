"""The site-wide app. Its ready() connects the account signal receivers of newsroom/security.py."""

from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self) -> None:
        # Stamps the sign-in time on the session at every login, including the first one after
        # startup, which happens before any middleware module has been imported.
        from . import security  # noqa: F401
