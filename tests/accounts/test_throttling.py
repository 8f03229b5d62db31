"""Sign-in throttling (accounts/security.py): wrong passwords pause an account from an address,
the client address behind a proxy, and a password spray from many addresses stopped at the
account limit."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from accounts import security
from articles.roles import EDITOR, REPORTER
from tests.accounts.sign_in import START, post_login, post_login_from, spray
from tests.factories import DEFAULT_PASSWORD, UserFactory

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
