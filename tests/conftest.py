"""Shared fixtures: a user for each role, clients logged in as them, a private Redis server.

Staff need a second factor in the admin (accounts/two_factor.py). So that tests about other
things need not repeat it, the `client` fixture is a VerifiedClient: force_login() and login()
also take staff past the second factor, as the verify step would (the user gets a confirmed
authenticator device and the session holds its id under django_otp's DEVICE_ID_SESSION_KEY).
Tests of the second factor itself log in with password_only_login(client, user), which stops
before it.
"""

import shutil
import socket
import subprocess
import time

import pytest
from django.contrib.auth import get_user
from django.http import HttpRequest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from articles.roles import EDITOR, REPORTER, TRANSLATOR
from tests.factories import UserFactory

# Property tests that build stories: the same examples on every run and every machine (no
# example database, a seed taken from the test), so that a CI failure repeats on a laptop.
# Use it as @settings(settings.get_profile("stories"), max_examples=...).
hypothesis_settings.register_profile(
    "stories",
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def confirmed_totp_device(user) -> TOTPDevice:
    """The user's confirmed authenticator device, made if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    return device


def current_totp_code(device: TOTPDevice) -> str:
    """The code the user's authenticator app shows now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def mark_verified(client: Client, user) -> None:
    """Mark the client's session as past the second factor, as the verify step does."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = confirmed_totp_device(user).persistent_id
    session.save()


class VerifiedClient(Client):
    """Django's test client, whose force_login() and login() also pass staff through the
    second factor, as the verify step would (django_otp.login keeps the device's id in the
    session)."""

    def force_login(self, user, backend=None) -> None:
        super().force_login(user, backend)
        if user.is_staff:
            mark_verified(self, user)

    def login(self, **credentials) -> bool:
        logged_in = super().login(**credentials)
        if logged_in:
            request = HttpRequest()
            request.session = self.session
            user = get_user(request)
            if user.is_staff:
                mark_verified(self, user)
        return logged_in


def password_only_login(client: Client, user) -> Client:
    """Log `client` in as `user` with the password step alone, the second factor still owed."""
    Client.force_login(client, user, "django.contrib.auth.backends.ModelBackend")
    return client


def login_as(client: Client, user) -> Client:
    """Log `client` in as `user`, past the second factor when `user` is staff."""
    password_only_login(client, user)
    if user.is_staff:
        mark_verified(client, user)
    return client


@pytest.fixture
def client() -> VerifiedClient:
    """pytest-django's `client`, as a VerifiedClient."""
    return VerifiedClient()


@pytest.fixture
def admin_client(db, admin_user) -> VerifiedClient:
    """pytest-django's `admin_client` (a superuser), past the second factor."""
    client = VerifiedClient()
    client.force_login(admin_user)
    return client


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium, one for the whole run (see tests/browser/conftest.py)."""
    from tests.browser.conftest import CHROMIUM_ARGS, chromium_path

    executable = chromium_path()
    if executable is None:
        pytest.skip("No Chromium found (install Debian's chromium package, or set CHROMIUM_PATH).")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (pip install -e '.[test]').")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) and page; console errors are collected on it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is slow on purpose; tests hash with MD5. tests/accounts/test_passwords.py checks
    the real setting."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _background_tasks_run_at_once(settings):
    """Background tasks (emails, renditions) run as they are enqueued, so a test sees what a
    worker would have done; tests of the worker itself choose the database backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _no_periodic_sqlite_optimize(monkeypatch):
    """SQLite's periodic `PRAGMA optimize` (newsroom/sqlite.py) would land, now and then, inside
    a request whose queries a test counts; tests/newsroom/test_sqlite.py turns it back on."""
    from newsroom import sqlite

    monkeypatch.setattr(sqlite, "OPTIMIZE_EVERY", 0)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of a test go to a folder of its own and vanish with it."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reporter(db):
    return UserFactory(username="reporter", role=REPORTER)


@pytest.fixture
def translator(db):
    return UserFactory(username="translator", role=TRANSLATOR)


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", role=EDITOR)


@pytest.fixture
def reporter_client(client, reporter):
    return login_as(client, reporter)


@pytest.fixture
def translator_client(client, translator):
    return login_as(client, translator)


@pytest.fixture
def editor_client(client, editor):
    return login_as(client, editor)


@pytest.fixture
def no_page_cache(settings):
    """Each request renders afresh, so query counts measure the page, not the page cache."""
    from django.core.cache import cache

    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    cache.clear()


@pytest.fixture
def private_redis(tmp_path_factory):
    """A throwaway Redis server on a free loopback port, for tests whose processes share a cache:
    the machine's own Redis is shared with others, whose keys must not meet ours. Its URL."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (Debian: redis-server)")
    folder = tmp_path_factory.mktemp("redis")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, "redis-server exited"
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=20)
