"""Browsers that signed in before: the account's owner still signs in during an account pause,
with a cookie that names the browser for one account only."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts import security
from articles.roles import EDITOR, REPORTER
from tests.accounts.sign_in import START, post_login, post_login_from, spray
from tests.factories import DEFAULT_PASSWORD, UserFactory

# Login throttling: browsers that signed in before ---------------------------------------------


def signed_in_browser(username: str, address: str = "192.0.2.7") -> Client:
    """The browser `username` signed in with and then signed out of: it keeps its cookies."""
    browser = Client()
    assert post_login(browser, username, DEFAULT_PASSWORD, address).status_code == 302
    browser.post(reverse("admin:logout"))  # Client.logout() would drop every cookie
    assert "_auth_user_id" not in browser.session
    return browser


@pytest.mark.django_db
def test_the_owners_own_browser_still_signs_in_during_an_account_pause(account_limit):
    UserFactory(username="nadia", role=EDITOR)
    laptop = signed_in_browser("nadia")
    spray("nadia", account_limit + 10)
    # At a café the next morning: a new address, the same laptop.
    assert post_login(laptop, "nadia", DEFAULT_PASSWORD, "198.51.100.23").status_code == 302
    assert laptop.session["_auth_user_id"]
    # A browser that never signed in as her is still paused, right password or not.
    assert post_login_from("198.51.100.23", "nadia", DEFAULT_PASSWORD).status_code == 429


@pytest.mark.django_db
def test_the_owners_browser_still_gets_only_five_guesses_from_one_address(account_limit):
    UserFactory(username="nadia", role=EDITOR)
    laptop = signed_in_browser("nadia")
    spray("nadia", account_limit)
    answers = [post_login(laptop, "nadia", "guess", "198.51.100.23").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]
    assert post_login(laptop, "nadia", DEFAULT_PASSWORD, "198.51.100.23").status_code == 429


@pytest.mark.django_db
def test_a_browser_known_for_one_account_is_a_stranger_to_another(account_limit):
    UserFactory(username="nadia", role=EDITOR)
    UserFactory(username="basil", role=REPORTER)
    basils_laptop = signed_in_browser("basil")
    spray("nadia", account_limit)
    assert post_login(basils_laptop, "nadia", DEFAULT_PASSWORD, "192.0.2.7").status_code == 429


@pytest.mark.django_db
def test_a_known_browser_cookie_cannot_be_rewritten_for_another_account(account_limit):
    nadia = UserFactory(username="nadia", role=EDITOR)
    basil = UserFactory(username="basil", role=REPORTER)
    basils_laptop = signed_in_browser("basil")
    value = basils_laptop.cookies[security.KNOWN_BROWSER_COOKIE].value
    assert value.startswith(f"{basil.pk}:")
    basils_laptop.cookies[security.KNOWN_BROWSER_COOKIE] = f"{nadia.pk}:" + value.split(":", 1)[1]
    spray("nadia", account_limit)
    assert post_login(basils_laptop, "nadia", DEFAULT_PASSWORD, "192.0.2.7").status_code == 429


@pytest.mark.django_db
def test_a_password_change_makes_every_known_browser_a_stranger(account_limit):
    nadia = UserFactory(username="nadia", role=EDITOR)
    laptop = signed_in_browser("nadia")
    nadia.set_password("a new and much longer passphrase")
    nadia.save()
    spray("nadia", account_limit)
    response = post_login(laptop, "nadia", "a new and much longer passphrase", "192.0.2.7")
    assert response.status_code == 429


@pytest.mark.django_db
def test_a_browser_is_forgotten_after_known_browser_days(account_limit, settings):
    UserFactory(username="nadia", role=EDITOR)
    with time_machine.travel(START, tick=False) as traveller:
        laptop = signed_in_browser("nadia")
        traveller.shift(dt.timedelta(days=settings.KNOWN_BROWSER_DAYS, minutes=1))
        spray("nadia", account_limit)
        assert post_login(laptop, "nadia", DEFAULT_PASSWORD, "192.0.2.7").status_code == 429


@pytest.mark.django_db
def test_with_known_browser_days_at_zero_every_browser_waits_out_a_pause(account_limit, settings):
    UserFactory(username="nadia", role=EDITOR)
    settings.KNOWN_BROWSER_DAYS = 0
    browser = Client()
    response = post_login(browser, "nadia", DEFAULT_PASSWORD, "192.0.2.7")
    assert security.KNOWN_BROWSER_COOKIE not in response.cookies
    browser.post(reverse("admin:logout"))
    spray("nadia", account_limit)
    response = post_login(browser, "nadia", DEFAULT_PASSWORD, "192.0.2.7")
    assert response.status_code == 429
    assert b"a browser you have signed in with before" not in response.content


@pytest.mark.django_db
def test_the_known_browser_cookie_is_httponly_strict_and_for_the_admin_only(settings):
    UserFactory(username="nadia", role=EDITOR)
    response = post_login(Client(), "nadia", DEFAULT_PASSWORD)
    cookie = response.cookies[security.KNOWN_BROWSER_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/admin/"
    assert int(cookie["max-age"]) == settings.KNOWN_BROWSER_DAYS * 24 * 60 * 60
    assert bool(cookie["secure"]) == settings.SESSION_COOKIE_SECURE
    # Whose laptop this is, and the password, are not written on it.
    assert "nadia" not in cookie.value
    assert DEFAULT_PASSWORD not in cookie.value
