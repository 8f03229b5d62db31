"""Staff sessions (accounts/security.py): signed out when idle or old, a cookie that dies with
the browser, a new session key at sign-in."""

import datetime as dt

import pytest
import time_machine

from articles.roles import EDITOR, REPORTER
from tests.accounts.sign_in import ADMIN, LOGIN, START, post_login
from tests.factories import DEFAULT_PASSWORD, UserFactory

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
