"""Where a `next` parameter may send someone: the one rule for every redirect a person can steer."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` the request asks for if it stays on this site, else `default` (a path).

    `//evil.example`, `https://evil.example`, `/\\evil.example` and `javascript:` all go
    elsewhere or nowhere, and Django's check refuses each of them.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
