"""The admin site (accounts/sites.py): what it adds to every admin page, on the admin's paths only.

The behaviours themselves (the second factor, idle sign-out, "view on site", the editor under the
policy) are tested in tests/accounts/, tests/articles/test_admin_urls.py and
tests/newsroom/test_headers.py; here, that they reach the admin paths that are not admin views,
and that readers never meet them.
"""

import datetime as dt
import re
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from accounts.sites import PROSE_EDITOR_STYLE_HASH, NewsroomAdminSite
from articles.roles import EDITOR
from tests.conftest import confirmed_totp_device, login_as, password_only_login
from tests.factories import ArticleFactory, UserFactory

LOGIN = "/admin/login/"
VERIFY = "/admin/2fa/verify/"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
IDLE = dt.timedelta(minutes=settings.STAFF_IDLE_MINUTES + 1)


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def nadia(db):
    """An editor with an authenticator app: she owes the second factor after her password."""
    editor = UserFactory(username="nadia", role=EDITOR)
    confirmed_totp_device(editor)
    return editor


# The site ------------------------------------------------------------------------------------


def test_the_default_admin_site_is_the_newsrooms():
    assert isinstance(admin.site, NewsroomAdminSite)
    assert admin.site._registry, "the apps' @admin.register reached it"


def test_no_middleware_does_the_admins_work_on_every_request():
    gone = {
        "accounts.security.StaffSessionTimeoutMiddleware",
        "accounts.two_factor.TwoFactorMiddleware",
        "accounts.security.AdminViewOnSiteGuardMiddleware",
        "accounts.security.ImportMapNonceMiddleware",
        "accounts.security.KnownBrowserMiddleware",
    }
    assert not gone & set(settings.MIDDLEWARE)


@pytest.mark.django_db
def test_readers_pages_never_reach_the_admin_sites_checks(client, editor, no_page_cache):
    article = ArticleFactory(published=True)
    pages = ("/", article.get_absolute_url(), "/search/?q=daraa", "/feeds/latest.rss")
    checks = ("end_idle_session", "step_owed", "with_import_map_nonce", "hand_known_browser_cookie")
    patches = [mock.patch(f"accounts.sites.{name}", side_effect=AssertionError) for name in checks]
    for patch in patches:
        patch.start()
    try:
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            # Nobody signed in: nothing read the session for them.
            assert not response.wsgi_request.session.accessed, url
        login_as(client, editor)
        for url in pages:
            assert client.get(url).status_code == 200, url
    finally:
        for patch in patches:
            patch.stop()


# A password without the second factor, on each admin path -------------------------------------


@pytest.mark.django_db
def test_the_sign_in_page_sends_staff_who_owe_a_second_factor_on_to_it(client, nadia):
    password_only_login(client, nadia)
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"].startswith(VERIFY)


@pytest.mark.django_db
def test_signing_out_needs_no_second_factor(client, nadia):
    password_only_login(client, nadia)
    response = client.post(reverse("admin:logout"))
    assert response.status_code == 200
    assert not is_signed_in(client)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/admin/jsi18n/",  # an admin view that answers strangers, but not a half-signed-in editor
        "/admin/no/such/page/",  # the admin's catch-all
        "/admin/articles/",  # an app's index
        "/admin/2fa/no-such-step/",  # under the steps' prefix, but not one of them
    ],
)
def test_every_other_admin_path_asks_for_the_second_factor_first(client, nadia, url):
    password_only_login(client, nadia)
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, (url, method)
        assert response["Location"].startswith(VERIFY), (url, method)


# Idle sessions, on each admin path -----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", [LOGIN, VERIFY, "/admin/2fa/recovery-codes/", "/admin/jsi18n/"])
def test_an_idle_session_ends_on_the_admin_paths_outside_its_views_too(client, nadia, url):
    with time_machine.travel(START, tick=False) as traveller:
        login_as(client, nadia)
        traveller.shift(IDLE)
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert not is_signed_in(client)


@pytest.mark.django_db
def test_an_idle_session_ends_before_the_second_factor_is_asked(client, nadia):
    with time_machine.travel(START, tick=False) as traveller:
        password_only_login(client, nadia)
        traveller.shift(IDLE)
        assert client.get("/admin/")["Location"].startswith(LOGIN)
        assert not is_signed_in(client)


@pytest.mark.django_db
def test_reading_the_public_site_does_not_keep_an_admin_session_alive(client, nadia):
    with time_machine.travel(START, tick=False) as traveller:
        article = ArticleFactory(published=True)
        login_as(client, nadia)
        assert client.get("/admin/").status_code == 200
        traveller.shift(IDLE - dt.timedelta(minutes=2))
        assert client.get(article.get_absolute_url()).status_code == 200
        traveller.shift(dt.timedelta(minutes=2))
        assert client.get("/admin/")["Location"].startswith(LOGIN)


# The editor's import map ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_story_forms_import_map_carries_the_nonce_of_its_policy(client, nadia):
    login_as(client, nadia)
    response = client.get(reverse("admin:articles_article_add"))
    nonce = re.search(r'<script type="importmap" nonce="([^"]+)"', response.content.decode())
    assert nonce, "the import map has a nonce"
    policy = response["Content-Security-Policy"]
    assert f"'nonce-{nonce[1]}'" in policy
    assert PROSE_EDITOR_STYLE_HASH in policy
    index = client.get(reverse("admin:index"))
    assert "nonce" not in index["Content-Security-Policy"]
    assert PROSE_EDITOR_STYLE_HASH not in index["Content-Security-Policy"]
