"""Two-factor sign-in for the admin: set up an authenticator app, verify a code, recovery codes.

After the password, staff who must use a second factor (editors, anyone who has set one up, or all
staff with TWO_FACTOR_FOR_ALL_STAFF) are sent here (step_owed) by the admin site before any other
admin page answers (accounts/sites.py). The devices are django-otp's: a TOTPDevice for the app
and a StaticDevice holding ten single-use recovery codes. Wrong codes are throttled per device by
django-otp (each failure doubles the wait), whichever session they come from.

Mounted at /admin/2fa/ by newsroom/urls.py, before the admin's own URLs.
"""

import logging
from base64 import b32encode
from collections.abc import Callable
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles import redirects
from articles.permissions import is_editor

from .security import end_idle_session

logger = logging.getLogger("newsroom.security")

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"

app_name = "two_factor"


def is_verified(user: object) -> bool:
    """Has this session's user passed the second factor? (django_otp's OTPMiddleware gives the
    user is_verified(); without it, nobody has.)"""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def is_required(user) -> bool:
    """Must `user` pass a second factor before using the admin?"""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if settings.TWO_FACTOR_FOR_ALL_STAFF or is_editor(user):
        return True
    return user_has_device(user)


def safe_next(request: HttpRequest, default: str = "admin:index") -> str:
    """Where to go after this step: the `next` asked for if it stays on this site."""
    return redirects.safe_next(request, reverse(default))


def step_url(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def step_owed(request: HttpRequest) -> HttpResponse | None:
    """The way to the second factor, if this request's user owes one; None if they may go on."""
    user = request.user
    if is_required(user) and not is_verified(user):
        step = "two_factor:verify" if user_has_device(user) else "two_factor:setup"
        return redirect(step_url(step, request.get_full_path()))
    return None


def qr_code_svg(data: str) -> str:
    """An inline SVG QR code of `data`, drawn here so the secret never leaves the server."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    # qrcode writes the XML of a standalone file; inside HTML only the <svg> element is wanted.
    return svg[svg.index("<svg") :]


def grouped(secret: str, size: int = 4) -> str:
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autofocus": True,
                "spellcheck": "false",
                "autocapitalize": "off",
            }
        ),
    )

    def clean_otp_token(self) -> str:
        # People copy codes with spaces or dashes ("123 456", "abcd-efgh").
        return "".join(ch for ch in self.cleaned_data["otp_token"] if ch.isalnum()).lower()


def _context(request: HttpRequest, **extra) -> dict:
    return {
        **admin.site.each_context(request),
        # Not yet admitted to the admin: no navigation, no sidebar.
        "has_permission": False,
        "is_nav_sidebar_enabled": False,
        "next": safe_next(request),
        **extra,
    }


def _staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    # These steps are admin requests outside the admin site's views: the idle sign-out applies.
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        signed_out = end_idle_session(request)
        if signed_out is not None:
            return signed_out
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path(), "admin:login")
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return sensitive_post_parameters("otp_token")(never_cache(wrapper))


def check_code(user, code: str):
    """The device of `user` that accepts `code` (an app code or an unused recovery code).

    Returns (device, wait): the device or None, and when every device is throttled, the time
    until one will listen again.
    """
    wait_until = None
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            allowed, info = device.verify_is_allowed()
            if not allowed:
                locked_until = (info or {}).get("locked_until")
                if locked_until and (wait_until is None or locked_until < wait_until):
                    wait_until = locked_until
                continue
            wait_until = None
            if device.verify_token(code):
                return device, None
    return None, wait_until


def _wait_message(locked_until) -> str:
    seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
    return f"Too many wrong codes. Wait {seconds} seconds before trying again."


@_staff_only
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or one of the recovery codes."""
    user = request.user
    if is_verified(user):
        return redirect(safe_next(request))
    if not user_has_device(user):
        return redirect(step_url("two_factor:setup", safe_next(request)))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, locked_until = check_code(user, form.cleaned_data["otp_token"])
        if device is not None:
            otp_login(request, device)
            # A new session key for the stronger session, as Django does at login.
            request.session.cycle_key()
            if isinstance(device, StaticDevice):
                left = StaticToken.objects.filter(device=device).count()
                logger.warning("Recovery code used by %s; %s left", user.get_username(), left)
            return redirect(safe_next(request))
        logger.warning("Wrong second-factor code for %s", user.get_username())
        form.add_error(
            "otp_token",
            _wait_message(locked_until)
            if locked_until
            else "That code is not right. Codes from the app change every 30 seconds.",
        )
    return render(request, "accounts/two_factor_verify.html", _context(request, form=form))


@_staff_only
def setup(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the QR code, type one code to confirm, get recovery codes.

    Someone who already has a device must pass it first: a stolen password alone must not be
    enough to swap the victim's authenticator for the thief's.
    """
    user = request.user
    if user_has_device(user) and not is_verified(user):
        return redirect(step_url("two_factor:verify", reverse("two_factor:setup")))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by(
        "-pk"
    ).first() or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, info = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["otp_token"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = replace_recovery_codes(user)
            otp_login(request, device)
            request.session.cycle_key()
            logger.warning("Two-factor device set up by %s", user.get_username())
            return render(
                request,
                "accounts/two_factor_recovery_codes.html",
                _context(request, codes=codes, title="Your recovery codes"),
            )
        form.add_error(
            "otp_token",
            _wait_message(info["locked_until"])
            if not allowed and info and info.get("locked_until")
            else "That code is not right. Check the time on your phone, then try the next code.",
        )
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/two_factor_setup.html",
        _context(
            request,
            form=form,
            title="Set up two-factor sign-in",
            config_url=device.config_url,
            qr_svg=mark_safe(qr_code_svg(device.config_url)),  # drawn by qrcode, no user text
            secret=grouped(secret),
            required=is_editor(user) or settings.TWO_FACTOR_FOR_ALL_STAFF,
        ),
    )


@_staff_only
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, replacing the old ones; shown once. Only after the second factor."""
    if not is_verified(request.user):
        return redirect(step_url("two_factor:verify", reverse("two_factor:recovery-codes")))
    if request.method != "POST":
        return render(
            request,
            "accounts/two_factor_recovery_codes.html",
            _context(request, codes=None, title="Recovery codes"),
        )
    codes = replace_recovery_codes(request.user)
    logger.warning("Recovery codes replaced by %s", request.user.get_username())
    return render(
        request,
        "accounts/two_factor_recovery_codes.html",
        _context(request, codes=codes, title="Your new recovery codes"),
    )


def replace_recovery_codes(user) -> list[str]:
    """Ten fresh single-use codes for `user`; any earlier ones stop working."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


urlpatterns = [
    path("verify/", verify, name="verify"),
    path("setup/", setup, name="setup"),
    path("recovery-codes/", recovery_codes, name="recovery-codes"),
]
