"""Accounts: Argon2, password rules, login throttling, two-factor sign-in and idle sessions."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import security
from articles.roles import EDITOR, REPORTER, TRANSLATOR
from tests.conftest import (
    confirmed_totp_device,
    current_totp_code,
    password_only_login,
)
from tests.factories import DEFAULT_PASSWORD, UserFactory

LOGIN = "/admin/login/"
ADMIN = "/admin/"
VERIFY = "/admin/2fa/verify/"
SETUP = "/admin/2fa/setup/"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def is_verified(client: Client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


def post_login(client: Client, username: str, password: str, ip: str = "10.0.0.1", **meta):
    """The admin's sign-in form, sent from `ip`; `meta` adds request headers (HTTP_...)."""
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": ADMIN},
        **{"REMOTE_ADDR": ip, **meta},
    )


def post_login_from(address: str, username: str, password: str, *, behind_proxy: bool = False):
    """A sign-in from a new browser at `address`: its REMOTE_ADDR, or behind one trusted proxy
    the entry that proxy appended to X-Forwarded-For (after one the client wrote itself)."""
    if behind_proxy:
        forwarded = f"10.9.9.9, {address}"
        return post_login(Client(), username, password, "127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    return post_login(Client(), username, password, address)


def spray(username: str, count: int, *, behind_proxy: bool = False, first: int = 1) -> list[int]:
    """One wrong password for `username` from each of `count` addresses; the status codes."""
    return [
        post_login_from(
            f"2001:db8::{n:x}", username, f"guess {n}", behind_proxy=behind_proxy
        ).status_code
        for n in range(first, first + count)
    ]


# Passwords -----------------------------------------------------------------------------------


def test_production_hashes_passwords_with_argon2_first():
    from newsroom import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert not any("MD5" in name or "Unsalted" in name for name in production.PASSWORD_HASHERS)


def test_a_new_password_is_stored_as_argon2id(settings):
    from newsroom import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    encoded = make_password("a long newsroom passphrase")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert encoded.startswith("argon2$argon2id$")


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["short1", "password123", "12345678901234", "editor-newsroom"])
def test_weak_passwords_are_refused_by_djangos_validators(password):
    user = UserFactory.build(username="editor-newsroom", email="editor@newsroom.test")
    with pytest.raises(ValidationError):
        validate_password(password, user)


# Login throttling ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_five_wrong_passwords_pause_that_account_from_that_address_with_a_429_page(client):
    UserFactory(username="amal", role=REPORTER)
    for _ in range(4):
        response = post_login(client, "amal", "wrong password")
        assert response.status_code == 200  # the form again, with its error
    response = post_login(client, "amal", "wrong password")
    assert response.status_code == 429
    assert b"Sign-in paused" in response.content
    assert b"15 minutes" in response.content
    # Even the right password is refused during the pause, and nothing is signed in.
    response = post_login(client, "amal", DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_lockout_does_not_shut_out_the_office_or_the_account_elsewhere():
    UserFactory(username="amal", role=REPORTER)
    UserFactory(username="basil", role=REPORTER)
    attacker = Client()
    for _ in range(6):
        post_login(attacker, "amal", "guess", ip="10.0.0.1")
    assert post_login(attacker, "amal", DEFAULT_PASSWORD, ip="10.0.0.1").status_code == 429
    # A colleague behind the same office address signs in normally...
    colleague = Client()
    assert post_login(colleague, "basil", DEFAULT_PASSWORD, ip="10.0.0.1").status_code == 302
    # ...and so does the account's owner from another address.
    owner = Client()
    assert post_login(owner, "amal", DEFAULT_PASSWORD, ip="192.0.2.7").status_code == 302


@pytest.mark.django_db
def test_the_pause_ends_after_the_cool_off_time():
    UserFactory(username="amal", role=REPORTER)
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            post_login(client, "amal", "guess")
        assert post_login(client, "amal", DEFAULT_PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(minutes=16))
        assert post_login(client, "amal", DEFAULT_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_refused_attempts_do_not_lengthen_a_pause_from_one_address():
    # Someone behind the office's address cannot keep a colleague there out by trying on.
    UserFactory(username="amal", role=REPORTER)
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            post_login(client, "amal", "guess")
        for _ in range(14):
            traveller.shift(dt.timedelta(minutes=1))
            assert post_login(client, "amal", "guess").status_code == 429
        traveller.shift(dt.timedelta(minutes=2))
        assert post_login(Client(), "amal", DEFAULT_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_successful_sign_ins_leave_no_record_of_where_they_came_from(client):
    from axes.models import AccessAttempt, AccessLog

    UserFactory(username="amal", role=REPORTER)
    post_login(client, "amal", "wrong", ip="198.51.100.4")
    assert AccessAttempt.objects.count() == 1  # the failure counts towards the lockout
    assert post_login(client, "amal", DEFAULT_PASSWORD, ip="198.51.100.4").status_code == 302
    assert not AccessLog.objects.exists()
    assert not AccessAttempt.objects.exists()  # reset by the success


@pytest.mark.django_db
def test_the_lockout_page_does_not_reveal_whether_an_account_exists(client):
    for _ in range(5):
        post_login(client, "nobody-by-this-name", "guess")
    response = post_login(client, "nobody-by-this-name", "guess")
    assert response.status_code == 429
    assert b"nobody-by-this-name" not in response.content


def test_the_client_address_ignores_forwarded_headers_without_a_trusted_proxy(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert security.client_ip(request) == "10.0.0.1"


def test_behind_one_proxy_the_client_address_is_the_last_forwarded_entry(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote "1.2.3.4" itself; the proxy appended the address it really saw.
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert security.client_ip(request) == "203.0.113.9"
    garbage = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
    assert security.client_ip(garbage) == "127.0.0.1"


@pytest.mark.django_db
@pytest.mark.parametrize("trusted_proxies", [0, 1])
def test_addresses_a_client_writes_itself_count_as_one(settings, trusted_proxies):
    settings.TRUSTED_PROXY_COUNT = trusted_proxies
    UserFactory(username="amal", role=REPORTER)
    client = Client()
    answers = [
        # A new made-up "client address" each time, in front of what a proxy would append.
        post_login(
            client, "amal", "guess", "127.0.0.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 10.0.0.1"
        ).status_code
        for n in range(1, 6)
    ]
    assert answers == [200, 200, 200, 200, 429]


@pytest.mark.django_db
@pytest.mark.parametrize("variant", ["Amal", " amal", "AMAL ", "ａｍａｌ"])
def test_case_and_space_variants_of_a_username_count_as_the_same_account(client, variant):
    UserFactory(username="amal", role=REPORTER)
    for _ in range(2):
        assert post_login(client, "amal", "guess").status_code == 200
        assert post_login(client, variant, "guess").status_code == 200
    assert post_login(client, variant, "guess").status_code == 429
    assert post_login(client, "amal", DEFAULT_PASSWORD).status_code == 429


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["a" * 300, "ß" * 150], ids=["long", "longer-casefolded"])
def test_a_username_too_long_to_store_is_still_counted_not_an_error(client, username):
    # PostgreSQL refuses more than django-axes' 255 characters; the form lets any length through.
    answers = [post_login(client, username, "guess").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]


# Login throttling: one account from many addresses --------------------------------------------


@pytest.fixture
def account_limit(settings) -> int:
    """Wrong passwords for one account, from anywhere, before it is paused (the default)."""
    settings.AXES_ACCOUNT_FAILURE_LIMIT = 20
    return 20


@pytest.mark.django_db
@pytest.mark.parametrize("behind_proxy", [False, True], ids=["direct", "behind-one-proxy"])
def test_a_password_spray_from_many_addresses_stops_at_the_account_limit(
    settings, account_limit, behind_proxy
):
    settings.TRUSTED_PROXY_COUNT = 1 if behind_proxy else 0
    UserFactory(username="nadia", role=EDITOR)
    # One guess from each address: far below the limit of five per address.
    answers = spray("nadia", account_limit + 5, behind_proxy=behind_proxy)
    assert answers == [200] * (account_limit - 1) + [429] * 6
    # Nor does the right password get in from yet another address, in a new browser.
    late = Client()
    address = "2001:db8::beef"
    if behind_proxy:
        response = post_login(
            late, "nadia", DEFAULT_PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR=address
        )
    else:
        response = post_login(late, "nadia", DEFAULT_PASSWORD, address)
    assert response.status_code == 429
    assert "_auth_user_id" not in late.session


@pytest.mark.django_db
def test_case_variants_from_many_addresses_add_up_to_one_account(account_limit):
    UserFactory(username="nadia", role=EDITOR)
    variants = ["nadia", "Nadia", "NADIA", " nadia "]
    for n in range(account_limit - 1):
        response = post_login_from(f"2001:db8::{n + 1:x}", variants[n % 4], "guess")
        assert response.status_code == 200
    assert post_login_from("2001:db8::beef", "NaDiA", "guess").status_code == 429


@pytest.mark.django_db
def test_an_hour_of_spraying_checks_at_most_the_account_limit_every_cool_off(
    account_limit, monkeypatch
):
    from django.contrib.auth.backends import ModelBackend

    UserFactory(username="nadia", role=EDITOR)
    checked = []
    original = ModelBackend.authenticate

    def counting(self, request, *args, **kwargs):
        checked.append(1)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    with time_machine.travel(START, tick=False) as traveller:
        # A new address every ten seconds for an hour: 360 guesses sent.
        for n in range(360):
            post_login_from(f"2001:db8::{n + 1:x}", "nadia", f"guess {n}")
            traveller.shift(dt.timedelta(seconds=10))
    # At most the limit in any 15 minutes, so four times it in the hour; 360 without it.
    assert len(checked) <= 4 * account_limit


@pytest.mark.django_db
@pytest.mark.parametrize("from_many_addresses", [False, True], ids=["one-address", "many"])
def test_a_pause_answers_the_same_whether_or_not_the_account_exists(
    account_limit, from_many_addresses
):
    UserFactory(username="nadia", role=EDITOR)

    def pause(username: str) -> list:
        if from_many_addresses:
            answers = spray(username, account_limit)
            last = post_login_from("2001:db8::beef", username, "guess")
        else:
            client = Client()
            answers = [post_login(client, username, "guess").status_code for _ in range(5)]
            last = post_login(client, username, "guess")
        return [answers, last.status_code, last.content]

    exists, does_not = pause("nadia"), pause("nadim")
    assert exists[1] == 429
    assert exists == does_not
    assert b"nadia" not in exists[2]


@pytest.mark.django_db
def test_the_paused_page_tells_the_account_owner_what_to_do(account_limit):
    UserFactory(username="nadia", role=EDITOR)
    spray("nadia", account_limit)
    response = post_login_from("2001:db8::beef", "nadia", DEFAULT_PASSWORD)
    assert response.status_code == 429
    text = " ".join(response.content.decode().split())
    assert "Signing in to this account is paused for up to 15 minutes" in text
    assert "from a browser you have signed in with before" in text
    assert "ask an administrator to lift the pause" in text


@pytest.mark.django_db
def test_an_account_pause_ends_after_the_cool_off_though_the_spray_goes_on(account_limit):
    UserFactory(username="nadia", role=EDITOR)
    with time_machine.travel(START, tick=False) as traveller:
        spray("nadia", account_limit)
        # Refused attempts while paused, one a minute, do not keep it paused.
        for minute in range(14):
            traveller.shift(dt.timedelta(minutes=1))
            assert spray("nadia", 1, first=100 + minute) == [429]
        assert post_login_from("2001:db8::beef", "nadia", DEFAULT_PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(minutes=2))
        assert post_login_from("2001:db8::beef", "nadia", DEFAULT_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_an_administrator_lifts_an_account_pause_with_axes_reset_username(account_limit):
    from io import StringIO

    from django.core.management import call_command

    UserFactory(username="nadia", role=EDITOR)
    spray("nadia", account_limit)
    assert post_login_from("2001:db8::beef", "nadia", DEFAULT_PASSWORD).status_code == 429
    out = StringIO()
    call_command("axes_reset_username", "Nadia", stdout=out)  # typed as the editor spells it
    assert f"{account_limit} attempts removed" in out.getvalue()
    assert post_login_from("2001:db8::beef", "nadia", DEFAULT_PASSWORD).status_code == 302


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
    assert "nadia" not in cookie.value and DEFAULT_PASSWORD not in cookie.value


# Two-factor: who must -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_editor_client_fixture_is_past_the_second_factor(editor_client):
    assert editor_client.get(ADMIN).status_code == 200
    assert is_verified(editor_client)


@pytest.mark.django_db
def test_a_forced_login_in_a_test_is_past_the_second_factor(client):
    client.force_login(UserFactory(username="nadia", role=EDITOR))
    assert client.get(ADMIN).status_code == 200
    assert is_verified(client)


@pytest.mark.django_db
def test_an_editor_without_a_device_is_sent_to_set_one_up_before_any_admin_page(client):
    editor = UserFactory(username="nadia", role=EDITOR)
    password_only_login(client, editor)
    for url in (ADMIN, "/admin/articles/article/", "/admin/articles/article/add/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(SETUP)
        assert "next=" in response["Location"]


@pytest.mark.django_db
def test_a_password_alone_never_reaches_admin_data_for_an_editor(client):
    editor = UserFactory(username="nadia", role=EDITOR)
    confirmed_totp_device(editor)
    password_only_login(client, editor)
    autocomplete = (
        "/admin/autocomplete/?app_label=articles&model_name=article&field_name=lead_image&term=a"
    )
    for url in (ADMIN, autocomplete, "/admin/auth/user/", "/admin/password_change/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(VERIFY), url
    response = client.post("/admin/articles/article/add/", {"headline": "Injected"})
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


@pytest.mark.django_db
def test_a_reporter_without_a_device_may_work_but_one_with_a_device_must_use_it(client):
    reporter = UserFactory(username="amal", role=REPORTER)
    password_only_login(client, reporter)
    assert client.get(ADMIN).status_code == 200
    confirmed_totp_device(reporter)
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


@pytest.mark.django_db
def test_every_staff_member_must_use_one_when_the_setting_says_so(client, settings):
    settings.TWO_FACTOR_FOR_ALL_STAFF = True
    password_only_login(client, UserFactory(username="tariq", role=TRANSLATOR))
    assert client.get(ADMIN)["Location"].startswith(SETUP)


# Two-factor: set-up --------------------------------------------------------------------------


@pytest.mark.django_db
def test_setting_up_shows_a_qr_code_drawn_here_and_confirms_with_a_code(client):
    editor = UserFactory(username="nadia", role=EDITOR)
    password_only_login(client, editor)
    page = client.get(SETUP + "?next=/admin/articles/article/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<?xml" not in html
    assert re.search(r"otpauth://totp/Newsroom%3Anadia\?secret=[A-Z2-7]+", html)
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]
    device = TOTPDevice.objects.get(user=editor)
    assert not device.confirmed

    wrong = client.post(SETUP, {"otp_token": "000000"})
    assert wrong.status_code == 200
    assert b"not right" in wrong.content
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)

    done = client.post(
        SETUP, {"otp_token": current_totp_code(device), "next": "/admin/articles/article/"}
    )
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert is_verified(client)
    assert client.get("/admin/articles/article/").status_code == 200
    # The codes are shown once: no later page repeats them.
    again = client.get("/admin/2fa/recovery-codes/").content.decode()
    assert not any(code in again for code in codes)


@pytest.mark.django_db
def test_a_stolen_password_cannot_replace_the_owners_device(client):
    editor = UserFactory(username="nadia", role=EDITOR)
    owners = confirmed_totp_device(editor)
    password_only_login(client, editor)
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    client.post(SETUP, {"otp_token": "123456"})
    assert list(TOTPDevice.objects.filter(user=editor)) == [owners]


# Two-factor: verify --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_right_code_admits_and_goes_where_the_editor_was_going(client):
    editor = UserFactory(username="nadia", role=EDITOR)
    device = confirmed_totp_device(editor)
    password_only_login(client, editor)
    page = client.get(VERIFY + "?next=/admin/articles/article/")
    assert page.status_code == 200
    response = client.post(
        VERIFY, {"otp_token": current_totp_code(device), "next": "/admin/articles/article/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/articles/article/"
    assert client.get("/admin/articles/article/").status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_is_refused_and_the_next_attempt_must_wait(client):
    editor = UserFactory(username="nadia", role=EDITOR)
    device = confirmed_totp_device(editor)
    password_only_login(client, editor)
    response = client.post(VERIFY, {"otp_token": "000000"})
    assert response.status_code == 200
    assert not is_verified(client)
    # Straight after a failure even the right code waits: guessing costs time, doubling.
    response = client.post(VERIFY, {"otp_token": current_totp_code(device)})
    assert b"Wait" in response.content
    assert not is_verified(client)


@pytest.mark.django_db
def test_wrong_codes_from_many_addresses_share_one_doubling_wait():
    editor = UserFactory(username="nadia", role=EDITOR)
    device = confirmed_totp_device(editor)
    with time_machine.travel(START, tick=False):
        # Someone who has the password, signed in from ten addresses at once.
        browsers = [Client() for _ in range(10)]
        for n, browser in enumerate(browsers, start=1):
            assert (
                post_login(browser, "nadia", DEFAULT_PASSWORD, f"2001:db8::{n:x}").status_code
                == 302
            )
        first, *others = browsers
        assert b"not right" in first.post(VERIFY, {"otp_token": "000000"}).content
        for n, browser in enumerate(others, start=1):
            assert b"Wait" in browser.post(VERIFY, {"otp_token": f"{n:06d}"}).content
        # The wait belongs to the account's device, not to a session or an address.
        response = others[0].post(VERIFY, {"otp_token": current_totp_code(device)})
        assert b"Wait" in response.content
        assert not any(is_verified(browser) for browser in browsers)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # only the first guess was checked


@pytest.mark.django_db
def test_a_day_of_guessing_codes_from_new_addresses_checks_fewer_than_twenty():
    editor = UserFactory(username="nadia", role=EDITOR)
    confirmed_totp_device(editor)
    checked = 0
    with time_machine.travel(START, tick=False) as traveller:
        n = 0
        while dt.datetime.now(dt.UTC) < START + dt.timedelta(days=1):
            n += 1
            # Each guess from a new address, signed in afresh, as soon as a guess is allowed.
            browser = Client()
            post_login(browser, "nadia", DEFAULT_PASSWORD, f"2001:db8::{n:x}")
            response = browser.post(VERIFY, {"otp_token": f"{n:06d}"})
            assert not is_verified(browser)
            wait = re.search(rb"Wait (\d+) seconds", response.content)
            if wait:
                traveller.shift(dt.timedelta(seconds=int(wait[1])))
            else:
                checked += 1
    # The wait doubles after each wrong code: 17 guesses in a day, each 3 in a million.
    assert checked < 20


@pytest.mark.django_db
def test_a_code_cannot_be_used_twice():
    editor = UserFactory(username="nadia", role=EDITOR)
    device = confirmed_totp_device(editor)
    first, second = Client(), Client()
    password_only_login(first, editor)
    password_only_login(second, editor)
    code = current_totp_code(device)
    assert first.post(VERIFY, {"otp_token": code}).status_code == 302
    response = second.post(VERIFY, {"otp_token": code})
    assert response.status_code == 200
    assert not is_verified(second)


@pytest.mark.django_db
def test_a_recovery_code_works_once(client):
    from accounts.two_factor import replace_recovery_codes

    editor = UserFactory(username="nadia", role=EDITOR)
    confirmed_totp_device(editor)
    codes = replace_recovery_codes(editor)
    password_only_login(client, editor)
    spaced = f"{codes[3][:4]} {codes[3][4:]}".upper()
    assert client.post(VERIFY, {"otp_token": spaced}).status_code == 302
    assert is_verified(client)
    assert StaticToken.objects.filter(device__user=editor).count() == 9

    other = password_only_login(Client(), editor)
    StaticDevice.objects.filter(user=editor).update(throttling_failure_count=0)
    response = other.post(VERIFY, {"otp_token": codes[3]})
    assert response.status_code == 200
    assert not is_verified(other)


@pytest.mark.django_db
def test_new_recovery_codes_cancel_the_old_ones(editor_client, editor):
    from accounts.two_factor import replace_recovery_codes

    old = replace_recovery_codes(editor)
    response = editor_client.post("/admin/2fa/recovery-codes/")
    new = re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())
    assert len(new) == 10
    tokens = set(StaticToken.objects.filter(device__user=editor).values_list("token", flat=True))
    assert tokens == set(new)
    assert not tokens & set(old)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/admin/",
        "/\\evil.example",
        "javascript:alert(1)",
        "https:evil.example",
    ],
)
def test_after_the_second_factor_the_next_url_never_leaves_the_site(client, target):
    editor = UserFactory(username="nadia", role=EDITOR)
    device = confirmed_totp_device(editor)
    password_only_login(client, editor)
    response = client.post(VERIFY, {"otp_token": current_totp_code(device), "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_the_login_form_never_redirects_off_the_site(client, target):
    UserFactory(username="amal", role=REPORTER)
    response = client.post(
        LOGIN, {"username": "amal", "password": DEFAULT_PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    page = client.get(LOGIN + "?next=" + target)
    assert "evil.example" not in page.get("Location", "")


@pytest.mark.django_db
def test_the_two_factor_pages_send_anonymous_visitors_to_sign_in(client):
    for url in (VERIFY, SETUP, "/admin/2fa/recovery-codes/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
    assert not TOTPDevice.objects.exists()


@pytest.mark.django_db
def test_recovery_codes_need_the_second_factor_first(client):
    editor = UserFactory(username="nadia", role=EDITOR)
    confirmed_totp_device(editor)
    password_only_login(client, editor)
    response = client.post("/admin/2fa/recovery-codes/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert not StaticDevice.objects.filter(user=editor).exists()


@pytest.mark.django_db
def test_the_whole_sign_in_through_the_forms(client):
    editor = UserFactory(username="nadia", role=EDITOR)
    device = confirmed_totp_device(editor)
    response = post_login(client, "nadia", DEFAULT_PASSWORD)
    assert response["Location"] == ADMIN
    response = client.get(ADMIN)
    assert response["Location"].startswith(VERIFY)
    response = client.post(VERIFY, {"otp_token": current_totp_code(device), "next": ADMIN})
    assert response["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


# Idle sessions -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_idle_staff_session_is_signed_out_of_the_admin(client):
    editor = UserFactory(username="nadia", role=EDITOR)
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(editor)
        assert client.get(ADMIN).status_code == 200
        traveller.shift(dt.timedelta(minutes=20))
        assert client.get(ADMIN).status_code == 200  # activity keeps it alive
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get(ADMIN).status_code == 200
        traveller.shift(dt.timedelta(minutes=31))
        response = client.get("/admin/articles/article/")
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert "_auth_user_id" not in client.session
        assert client.get(ADMIN)["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_a_busy_staff_session_still_ends_after_the_cookie_age(client, settings):
    editor = UserFactory(username="nadia", role=EDITOR)
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(editor)
        for _ in range(settings.SESSION_COOKIE_AGE // (20 * 60)):
            traveller.shift(dt.timedelta(minutes=20))
            response = client.get(ADMIN)
        traveller.shift(dt.timedelta(minutes=20))
        response = client.get(ADMIN)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_the_session_cookie_is_httponly_and_dies_with_the_browser(client, settings):
    UserFactory(username="amal", role=REPORTER)
    response = post_login(client, "amal", DEFAULT_PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["max-age"]  # a browser-session cookie: no persistent expiry
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


@pytest.mark.django_db
def test_the_login_moves_the_session_to_a_new_key(client):
    UserFactory(username="amal", role=REPORTER)
    client.get(LOGIN)
    session = client.session
    session["planted"] = "by an attacker"
    session.save()
    planted_key = session.session_key
    post_login(client, "amal", DEFAULT_PASSWORD)
    assert client.session.session_key != planted_key
