"""Production settings and response headers: deploy checks, startup refusals, CSP and friends.

The browser tests at the end load the admin's story form (django-prose-editor) and public pages
in headless Chromium under the real policy and fail on any Content-Security-Policy violation.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.browser.conftest import login
from tests.factories import ArticleFactory, UserFactory

REPO = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "Q7v!x2#Lm9$Rt4&Wz8^Pc1*Hn6(Bj3)Fd5",
    "ALLOWED_HOSTS": "newsroom.example",
}


def run_django(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Only what the test names: not the caller's DEBUG or hosts, nor the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE (which the deploy checks rightly refuse).
    unset = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "MEDIA_URL"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# Settings ------------------------------------------------------------------------------------


def test_the_deploy_checks_pass_with_production_settings():
    result = run_django(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_are_strict_without_further_variables():
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ["
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_SSL_REDIRECT', "
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'CSRF_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', 'X_FRAME_OPTIONS', "
        "'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_REFERRER_POLICY', "
        "'SECURE_CROSS_ORIGIN_OPENER_POLICY', 'DEBUG', 'PASSWORD_HASHERS']}))"
    )
    result = run_django(
        "-c", script, env={**PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "newsroom.settings"}
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"]
    assert values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"]
    assert values["CSRF_COOKIE_HTTPONLY"]
    assert values["SESSION_COOKIE_SAMESITE"] in {"Lax", "Strict"}
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "strict-origin-when-cross-origin"
    assert values["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert values["PASSWORD_HASHERS"][0].endswith("Argon2PasswordHasher")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "0", "ALLOWED_HOSTS": "newsroom.example"}, "SECRET_KEY must be set"),
        ({"DEBUG": "1", "ALLOWED_HOSTS": "newsroom.example"}, "DEBUG is on"),
        ({"DEBUG": "1", "ALLOWED_HOSTS": "*"}, "DEBUG is on"),
        ({"DEBUG": "1", "ALLOWED_HOSTS": "localhost,203.0.113.5"}, "public host (203.0.113.5)"),
    ],
)
def test_startup_refuses_an_insecure_production_configuration(env, message):
    result = run_django("manage.py", "check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_debug_on_a_local_machine_still_starts():
    result = run_django("manage.py", "check", env={"DEBUG": "1", "ALLOWED_HOSTS": "localhost"})
    assert result.returncode == 0, result.stderr


# Headers -------------------------------------------------------------------------------------


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict_headers(response) -> None:
    policy = policy_of(response)
    assert policy["default-src"] == ["'self'"]
    # A nonce only where a page needs it (the admin's story editor), never 'unsafe-inline'.
    assert policy["script-src"][0] == "'self'"
    assert all(value.startswith("'nonce-") for value in policy["script-src"][1:])
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    assert "http:" not in header
    assert "https:" not in header
    assert "*" not in header
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_public_pages_carry_the_strict_headers(client):
    article = ArticleFactory(published=True)
    for url in (
        "/",
        article.get_absolute_url(),
        "/search/?q=daraa",
        "/feeds/latest.rss",
        "/sitemap.xml",
        "/robots.txt",
        "/articles/no-such-story/",
    ):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_strict_headers(response)
        # Public pages are cached whole: a nonce in them would be reused, so they have none.
        assert "nonce" not in response["Content-Security-Policy"], url


@pytest.mark.django_db
def test_admin_pages_carry_the_strict_headers(client, editor_client):
    assert_strict_headers(client.get("/admin/login/"))
    for url in ("/admin/", reverse("admin:articles_article_add"), "/admin/2fa/recovery-codes/"):
        response = editor_client.get(url)
        assert response.status_code == 200, url
        assert_strict_headers(response)


@pytest.mark.django_db
def test_the_lockout_page_carries_the_strict_headers(client):
    UserFactory(username="amal")
    for _ in range(6):
        response = client.post("/admin/login/", {"username": "amal", "password": "x"})
    assert response.status_code == 429
    assert_strict_headers(response)


@pytest.mark.django_db
def test_https_responses_carry_hsts(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/robots.txt", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in response["Strict-Transport-Security"]


@pytest.mark.django_db
def test_media_on_object_storage_is_allowed_for_images_only():
    result = run_django(
        "-c",
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.CONTENT_SECURITY_POLICY['DIRECTIVES'], default=str))",
        env={
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "MEDIA_URL": "https://media.newsroom.example/media/",
        },
    )
    assert result.returncode == 0, result.stderr
    directives = json.loads(result.stdout.strip().splitlines()[-1])
    assert "https://media.newsroom.example" in directives["img-src"]
    assert directives["script-src"] == ["'self'", "csp.constants.NONCE"]
    assert directives["default-src"] == ["'self'"]


# In the browser ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_pages_have_no_inline_style_attributes(editor_client):
    from tests.factories import ImageFactory

    ImageFactory()
    pages = {
        url: editor_client.get(url).content.decode()
        for url in (
            reverse("admin:articles_article_add"),
            reverse("admin:articles_image_changelist"),
        )
    }
    assert {url: ' style="' in html for url, html in pages.items()} == dict.fromkeys(pages, False)


def csp_violations(browser_page) -> list[str]:
    return [
        text
        for text in browser_page.console_errors
        if "Content Security Policy" in text or "Content-Security-Policy" in text
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_story_editor_works_under_the_policy(page, live_server):
    from tests.factories import DEFAULT_PASSWORD

    UserFactory(username="nadia", role="Editor")
    login(page, live_server, "nadia", DEFAULT_PASSWORD)
    assert "/admin/2fa/" not in page.url, page.url
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    page.goto(f"{live_server.url}{reverse('admin:articles_article_add')}")
    page.wait_for_load_state("networkidle")
    editor = page.locator(".field-body [contenteditable=true]").first
    editor.wait_for(state="visible", timeout=10_000)
    editor.click()
    page.keyboard.type("Typed under a strict policy.")
    page.locator(".field-body .prose-menubar button").first.wait_for(state="visible")
    assert "Typed under a strict policy." in editor.inner_text()
    assert missing == []
    # No violation of any kind: no script, and no style attribute either.
    assert csp_violations(page) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_public_pages_raise_no_policy_violations(page, live_server):
    article = ArticleFactory(published=True)
    violations = {}
    for url in ("/", article.get_absolute_url(), "/search/?q=headline"):
        page.console_errors.clear()
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("networkidle")
        violations[url] = csp_violations(page)
    assert violations == {url: [] for url in violations}
