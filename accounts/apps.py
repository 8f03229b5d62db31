from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    """Who may come in: two-factor sign-in, sign-in throttling, staff sessions, staff accounts."""

    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Stamps the sign-in time on the session at every login, including the first one after
        # startup, which happens before any admin page has imported the module.
        from . import security  # noqa: F401


class NewsroomAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the newsroom's site as `admin.site` (accounts/sites.py).

    Listed in INSTALLED_APPS in place of "django.contrib.admin", as Django's documentation on
    overriding the default admin site says; the app is still Django's admin, label and all.
    """

    # Named in INSTALLED_APPS by its path; "accounts" alone still means AccountsConfig.
    default = False
    default_site = "accounts.sites.NewsroomAdminSite"
