"""Account defences around Django's own: login throttling glue and staff session expiry.

Two-factor authentication lives in accounts/two_factor.py, and the admin site that applies both
to admin requests in accounts/sites.py; the settings that turn all of this on (PASSWORD_HASHERS,
AXES_*, KNOWN_BROWSER_DAYS, STAFF_IDLE_MINUTES) are in settings.py, and SECURITY.md says why each
exists.
"""

import logging
import time
import unicodedata
from datetime import timedelta
from ipaddress import ip_address

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

logger = logging.getLogger("newsroom.security")

# Session keys: when this session signed in, and when it last made an admin request.
SIGNED_IN_AT = "newsroom_signed_in_at"
LAST_SEEN_AT = "newsroom_last_seen_at"
# Writing the session on every request costs a database write; a minute's slack is harmless.
LAST_SEEN_RESOLUTION = 60


def client_ip(request: HttpRequest) -> str | None:
    """The address a login attempt came from, as far as it can be trusted.

    Without a proxy it is REMOTE_ADDR. Behind TRUSTED_PROXY_COUNT proxies, each of which appends
    the address it saw to X-Forwarded-For, it is the entry that many places from the right: the
    entries further left were written by the client and prove nothing.
    """
    remote = request.META.get("REMOTE_ADDR")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < hops:
        return remote
    candidate = forwarded[-hops]
    try:
        return str(ip_address(candidate))
    except ValueError:
        return remote


ACCOUNT_NAME_LENGTH = AccessAttempt._meta.get_field("username").max_length


def account_name(username: str | None) -> str | None:
    """The account a sign-in attempt counts against: "Nadia", " nadia " and "NADIA" are one.

    Django signs in "nadia" only as typed, but every spelling of her name is a guess at her
    account as far as throttling goes, or an attacker would get five guesses per spelling.
    """
    if username is None:
        return None
    name = unicodedata.normalize("NFKC", username).strip().casefold()
    # The admin's form lets any length through; django-axes stores at most this many characters
    # (and PostgreSQL refuses more). No real username comes near it.
    return name[:ACCOUNT_NAME_LENGTH] or None


def throttled_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username django-axes records and counts an attempt under (AXES_USERNAME_CALLABLE)."""
    field = get_user_model().USERNAME_FIELD
    username = credentials.get(field) if credentials else request.POST.get(field)
    return account_name(username)


def account_failures(request: HttpRequest, credentials: dict | None = None) -> int:
    """Wrong passwords for the account of this attempt within the cool-off, from every address."""
    account = throttled_username(request, credentials)
    if account is None:
        return 0
    recent = AccessAttempt.objects.filter(
        username=account, attempt_time__gte=get_cool_off_threshold(request)
    )
    return recent.aggregate(total=Sum("failures_since_start"))["total"] or 0


def is_account_paused(request: HttpRequest, credentials: dict | None = None) -> bool:
    """Is the account of this attempt paused for the browser it comes from?

    It is once AXES_ACCOUNT_FAILURE_LIMIT wrong passwords for it, from any number of addresses,
    fall within the cool-off: that is what stops a slow spray from many addresses, which the
    per-address limit never sees. A browser that has signed in to the account before is let
    through (still held to the per-address limit), so a spray cannot keep the owner out.
    """
    if account_failures(request, credentials) < settings.AXES_ACCOUNT_FAILURE_LIMIT:
        return False
    return not is_known_browser(request, throttled_username(request, credentials))


# The signed cookie a browser gets when it signs in (see is_known_browser).
KNOWN_BROWSER_COOKIE = "newsroom_known_browser"
# Where the sign-in puts the cookie's value until hand_known_browser_cookie adds it to the response.
_KNOWN_BROWSER_VALUE = "newsroom_known_browser_value"


def _known_browser_signer(user) -> signing.TimestampSigner:
    # Salted with the hash of the password, so that a new password forgets every known browser.
    return signing.TimestampSigner(salt=f"newsroom.known-browser:{user.get_session_auth_hash()}")


def is_known_browser(request: HttpRequest, account: str | None) -> bool:
    """Has this browser signed in to `account` in the last KNOWN_BROWSER_DAYS, with its password?

    The cookie holds the user's id (not the name: a laptop seized at a checkpoint should not say
    whose it is), a time and a signature keyed by SECRET_KEY and the password's hash, so it cannot
    be made for another account nor outlive a change of password. It is not a credential (the
    password is still checked), only a reason not to count this browser among a crowd guessing.
    """
    value = request.COOKIES.get(KNOWN_BROWSER_COOKIE)
    if not value or account is None or settings.KNOWN_BROWSER_DAYS <= 0:
        return False
    try:
        user = get_user_model()._default_manager.get(pk=value.split(":", 1)[0])
        _known_browser_signer(user).unsign(
            value, max_age=timedelta(days=settings.KNOWN_BROWSER_DAYS)
        )
    except (ObjectDoesNotExist, ValueError, ValidationError, signing.BadSignature):
        return False
    return account_name(user.get_username()) == account


def _remember_browser(sender, request, user, **kwargs) -> None:
    if request is not None and settings.KNOWN_BROWSER_DAYS > 0:
        setattr(request, _KNOWN_BROWSER_VALUE, _known_browser_signer(user).sign(str(user.pk)))


user_logged_in.connect(_remember_browser, dispatch_uid="newsroom-remember-browser")


def hand_known_browser_cookie(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Give a browser that has just signed in its known-browser cookie, on the sign-in response.

    Django's login view makes the response; the user_logged_in signal, which knows the user, has
    no response to set a cookie on. The admin's sign-in page (accounts/sites.py) calls this, and
    the cookie is sent back on the admin's paths only.
    """
    value = getattr(request, _KNOWN_BROWSER_VALUE, None)
    if value:
        response.set_cookie(
            KNOWN_BROWSER_COOKIE,
            value,
            max_age=settings.KNOWN_BROWSER_DAYS * 24 * 60 * 60,
            path=reverse("admin:index"),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Strict",
        )
    return response


class LoginThrottleHandler(AxesDatabaseHandler):
    """django-axes' record of wrong passwords, read twice (AXES_HANDLER).

    django-axes itself pauses a username from one address after AXES_FAILURE_LIMIT failures
    (AXES_LOCKOUT_PARAMETERS). Its lockout parameters share that one limit, so the second count,
    per account from every address with its own higher AXES_ACCOUNT_FAILURE_LIMIT, is added here
    over the same AccessAttempt rows and the same cool-off.
    """

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or is_account_paused(request, credentials)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or request.axes_locked_out:
            return
        if is_account_paused(request, credentials):
            account = throttled_username(request, credentials)
            logger.warning("Sign-in to %r paused: wrong passwords from many places", account)
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes", request=request, username=account, ip_address=request.axes_ip_address
            )

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False) -> int:
        # Attempts are recorded under account_name(): `axes_reset_username Nadia` must find them.
        return super().reset_attempts(
            ip_address=ip_address, username=account_name(username), ip_or_username=ip_or_username
        )


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for logins that come from a request.

    Every login form (the admin's, the two-factor step) passes the request, and those are the
    attempts an attacker controls. Code that authenticates without one (the test client's
    login(), a management command) is not a guessing channel, so it is let through to the next
    backend instead of failing with AxesBackendRequestParameterRequired.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """The page for a paused sign-in: 429 Too Many Requests, saying for how long and why.

    It says the same whether or not the username belongs to anyone: attempts are counted for
    any name typed, and the page shows nothing of the account.
    """
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    return render(
        request,
        "accounts/lockout.html",
        {
            "account_paused": is_account_paused(request, credentials),
            "failure_limit": get_failure_limit(request, credentials),
            "known_browser_days": settings.KNOWN_BROWSER_DAYS,
            "minutes": minutes,
            "title": "Sign-in paused",
        },
        status=429,
    )


def _stamp_sign_in(sender, request, user, **kwargs) -> None:
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


user_logged_in.connect(_stamp_sign_in, dispatch_uid="newsroom-stamp-sign-in")


def session_has_expired(session, *, now: float) -> bool:
    """Has this signed-in session been idle too long, or lived longer than SESSION_COOKIE_AGE?"""
    signed_in = session.get(SIGNED_IN_AT)
    last_seen = session.get(LAST_SEEN_AT, signed_in)
    if signed_in is None or last_seen is None:
        # A session from before these stamps existed: start counting now.
        return False
    if now - last_seen > settings.STAFF_IDLE_MINUTES * 60:
        return True
    return now - signed_in > settings.SESSION_COOKIE_AGE


def end_idle_session(request: HttpRequest) -> HttpResponse | None:
    """Sign a session out of the admin after STAFF_IDLE_MINUTES without a request there.

    A laptop left open in a café, or seized at a checkpoint, should not still be signed in to
    the newsroom an hour later. Called on admin requests only (every admin page and the sign-in
    page, by accounts/sites.py; the two-factor steps, by accounts/two_factor.py), and only they
    count as activity: the public pages never read the session, so readers' pages stay
    cacheable and query-free. Returns the way to the sign-in page if it ended the session;
    otherwise notes the activity and returns None.
    """
    if not request.user.is_authenticated:
        return None
    now = time.time()
    session = request.session
    if session_has_expired(session, now=now):
        logout(request)
        messages.info(
            request, "You were signed out after a period without activity. Please sign in again."
        )
        return redirect_to_login(request.get_full_path(), "admin:login")
    if SIGNED_IN_AT not in session:
        session[SIGNED_IN_AT] = now
    if now - session.get(LAST_SEEN_AT, 0) >= LAST_SEEN_RESOLUTION:
        session[LAST_SEEN_AT] = now
    return None
