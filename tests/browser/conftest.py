"""Headless Chromium for browser tests, driven by Playwright against pytest-django's live server.

The tests skip, saying why, where no Chromium is installed (Debian: apt-get install chromium).
Screenshots go to test-artifacts/ at the top of the checkout (override with ARTIFACTS_DIR).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
# Without these, Chromium keeps trying to reach Google's hosts on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Django refuses sync ORM calls inside a running event loop; Playwright's sync API runs one, and
# the tests only talk to the database between browser calls, from the test's own thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def chromium_path() -> str | None:
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    root = Path(
        os.environ.get("ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "test-artifacts")
    )
    root.mkdir(parents=True, exist_ok=True)
    return root


# The `browser` and `page` fixtures live in tests/conftest.py, so that browser tests outside this
# folder (tests/newsroom/test_headers.py) share the one Playwright session: two cannot run at once.


def login(page, live_server, username: str, password: str) -> None:
    """Log in through the admin's own forms, as a person would: password, then the app's code.

    The user gets an authenticator device if they have none, and the code their app would show
    now is typed into the two-factor step (newsroom/two_factor.py).
    """
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import confirmed_totp_device, current_totp_code

    user = get_user_model().objects.filter(username=username).first()
    device = confirmed_totp_device(user) if user is not None else None
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    if device is not None and "/admin/2fa/verify/" in page.url:
        # A code is accepted once; a test that signs the same person in twice within 30 seconds
        # would otherwise wait for the next one. Forget the last use instead.
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
        device.refresh_from_db()
        page.fill("#id_otp_token", current_totp_code(device))
        page.click("#two-factor-verify-form input[type=submit]")
        page.wait_for_load_state()
