"""Two-factor sign-in (accounts/two_factor.py): who must use a second factor, setting one up,
verifying a code or a recovery code, and where the sign-in steps may lead."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.roles import EDITOR, REPORTER, TRANSLATOR
from tests.accounts.sign_in import ADMIN, LOGIN, SETUP, START, VERIFY, is_verified, post_login
from tests.conftest import confirmed_totp_device, current_totp_code, password_only_login
from tests.factories import DEFAULT_PASSWORD, UserFactory

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
    assert "<svg" in html
    assert "<?xml" not in html
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
    assert len(codes) == 10
    assert len(set(codes)) == 10
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
