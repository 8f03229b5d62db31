"""The site's absolute address, for links that leave the page: emails, feeds, canonical links.

In production it is SITE_URL, whatever host a request came in on. While developing (DEBUG on)
with no SITE_URL set, it is the address the site is being reached at (runserver on any port,
a container's forwarded one): SiteAddressMiddleware below notes each request's
origin here, so that an email sent while the request is handled links back to the same place.
"""

from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import DisallowedHost

_request_origin: ContextVar[str | None] = ContextVar("request_origin", default=None)


def follows_requests() -> bool:
    """Do absolute addresses follow the request (DEBUG on, no SITE_URL configured)?"""
    return bool(settings.DEBUG and getattr(settings, "SITE_URL_FROM_REQUEST", False))


def site_url() -> str:
    """The scheme and host (no trailing slash) to put in front of a path."""
    origin = _request_origin.get()
    if origin and follows_requests():
        return origin
    return settings.SITE_URL


class SiteAddressMiddleware:
    """While developing, note where each request came in, for site_url() (see above)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not follows_requests():
            return self.get_response(request)
        try:
            origin = f"{request.scheme}://{request.get_host()}"
        except DisallowedHost:
            return self.get_response(request)  # CommonMiddleware answers it with 400
        token = _request_origin.set(origin)
        try:
            return self.get_response(request)
        finally:
            _request_origin.reset(token)
