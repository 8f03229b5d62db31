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


def as_user(browser, live_server, username: str):
    """A page of a new browser window, signed in as `username` with the test password. JavaScript
    errors on it are collected in `page.js_errors`."""
    from tests.factories import DEFAULT_PASSWORD

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    login(page, live_server, username, DEFAULT_PASSWORD)
    return page


def choose(page, select_id: str, typed: str) -> None:
    """Pick from an autocomplete list with the keyboard: open it, type, take the first match."""
    page.locator(f"#{select_id} + .select2 .select2-selection").focus()
    page.keyboard.press("Enter")
    page.locator(".select2-search__field").fill(typed)
    page.locator(".select2-results__option--highlighted", has_text=typed).wait_for()
    page.keyboard.press("Enter")


def fill_interview(
    page, *, headline: str, dek: str, section: str, contributor: str, role: str | None = None
) -> None:
    """Type a new interview into the story form as its writer would, without pressing any button:
    headline, standfirst, a line of body, the section and first credit, the interviewee and the
    first exchange (the bakers of Yalda)."""
    page.fill("#id_headline", headline)
    page.fill("#id_dek", dek)
    page.locator(".field-body .ProseMirror[contenteditable=true]").focus()
    page.keyboard.type("The bakery reopened last week after the truce.")
    page.select_option("#id_kind", "interview")
    choose(page, "id_section", section)
    choose(page, "id_bylines-0-contributor", contributor)
    if role is not None:
        page.select_option("#id_bylines-0-role", role)
    page.fill("#id_interview-0-interviewee_name", "Abu Khaled")
    page.fill("#id_interview-0-interviewee_description", "a baker in Yalda")
    page.fill("#id_exchanges-0-question", "What does bread cost now?")
    page.fill("#id_exchanges-0-answer", "Twice what it did [before the siege].")
