"""Readers get a plain 503 page, never a traceback, while the database is unreachable.

The page is rendered from newsroom/templates/503.html without a request context: the context
processors read sections from the database, which is what just failed. Nothing is cached or kept,
so the site answers normally again as soon as the database does (Django drops a broken connection
at the end of the request and opens a new one on the next).

The page has no stylesheet to fetch, only its own inline <style>, which the Content-Security-Policy
(style-src 'self') would block. The 503 response allows that one style by its SHA-256, taken from
the template file when this module loads, so an edit of the CSS changes the hash with it.
"""

import base64
import hashlib
import logging
import re
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger("newsroom.outage")

RETRY_AFTER_SECONDS = 30
FALLBACK_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Back soon</title>"
    "<h1>We will be back in a moment</h1><p>Please try again shortly.</p></html>"
)

PAGE_TEMPLATE = Path(__file__).resolve().parent / "templates" / "503.html"


def style_hash(css: str) -> str:
    """The CSP source that allows exactly this inline style: 'sha256-<base64 of its digest>'."""
    digest = hashlib.sha256(css.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def _page_style_hash() -> str | None:
    # The text between <style> and </style> exactly as the browser hashes it, whitespace
    # included. It holds no template tags, so the rendered page carries it byte for byte.
    try:
        match = re.search(r"<style>(.*?)</style>", PAGE_TEMPLATE.read_text(), re.DOTALL)
    except OSError:
        logger.exception("Could not read %s", PAGE_TEMPLATE)
        return None
    return style_hash(match.group(1)) if match else None


PAGE_STYLE_HASH = _page_style_hash()


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean "the database cannot be reached", not "this query was wrong"."""
    errors: list[type[BaseException]] = [OperationalError, InterfaceError]
    try:  # psycopg's pool, when DATABASE_POOL=1; its errors may reach us unwrapped
        from psycopg_pool import PoolClosed, PoolTimeout, TooManyRequests
    except ImportError:  # pragma: no cover - psycopg[pool] is a dependency
        pass
    else:
        errors += [PoolTimeout, PoolClosed, TooManyRequests]
    try:
        import psycopg
    except ImportError:  # pragma: no cover
        pass
    else:
        errors += [psycopg.OperationalError, psycopg.InterfaceError]
    return tuple(errors)


UNAVAILABLE_ERRORS = _unavailable_errors()


def is_database_unavailable(error: BaseException | None) -> bool:
    return isinstance(error, UNAVAILABLE_ERRORS)


def service_unavailable() -> HttpResponse:
    """The 503 page: no database, no request context, never cached, with Retry-After."""
    try:
        content = loader.get_template("503.html").render(
            {"SITE_NAME": settings.SITE_NAME, "retry_after": RETRY_AFTER_SECONDS}
        )
    except Exception:  # a broken template must not turn a 503 into a 500
        logger.exception("Could not render 503.html")
        content = FALLBACK_PAGE
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if PAGE_STYLE_HASH and content is not FALLBACK_PAGE:
        # django-csp adds this to style-src of this response only.
        response._csp_update = {"style-src": [PAGE_STYLE_HASH]}  # type: ignore[attr-defined]
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After when a request fails because the database is unreachable.

    A view's failure reaches process_exception(). A failure in a middleware further in (a
    session read, say) has already been turned into a 500 by Django before it gets back here;
    the got_request_exception receiver below marks such requests, and __call__ swaps the 500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "_database_unavailable", False):
            return service_unavailable()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_database_unavailable(exception):
            return None
        # One line, not a traceback per request: during an outage every request fails alike.
        logger.warning(
            "Database unavailable, answered 503: %s",
            type(exception).__name__,
            extra={"request": request, "status_code": 503},
        )
        return service_unavailable()


def _mark_database_unavailable(sender, request=None, **kwargs) -> None:
    import sys

    if request is not None and is_database_unavailable(sys.exc_info()[1]):
        request._database_unavailable = True


got_request_exception.connect(_mark_database_unavailable, dispatch_uid="newsroom-db-unavailable")
