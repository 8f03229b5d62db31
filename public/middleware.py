"""The fast path for readers: a cached public page answered before the rest of the middleware."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from .caching import CacheUnavailable, is_cacheable, lookup
from .edge import GONE, let_the_edge_keep_a_gone_page


class CachedPageMiddleware:
    """Answer a reader's request for a cached public page before the rest of the middleware.

    A cache hit inside the view still went through sessions, CSRF, authentication, two-factor,
    history, messages and the admin's guards, none of which a reader without a session needs:
    under load that halved the rate at which cached pages were served. Placed after the
    security, CSP and X-Frame-Options middleware, so that their headers are still added. It
    asks the cache only, never the models, since it runs before every request. Requests with a
    session cookie (staff) take the full path, so that their sessions are kept alive and
    checked; public_page serves them the same bytes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reader = settings.SESSION_COOKIE_NAME not in request.COOKIES
        if reader and is_cacheable(request):
            response = self._cached(request)
            if response is not None:
                return response
        response = self.get_response(request)
        if reader and request.method in ("GET", "HEAD") and response.status_code in GONE:
            let_the_edge_keep_a_gone_page(response)
        return response

    def _cached(self, request: HttpRequest) -> HttpResponse | None:
        try:
            # Django checks the Host header against ALLOWED_HOSTS only further in, in
            # CommonMiddleware; the full path answers a host the site does not serve with 400.
            request.get_host()
        except DisallowedHost:
            return None
        try:
            return lookup(request, from_cache_only=True)[1]
        except CacheUnavailable:
            return None  # public_page renders the page uncached
        except DatabaseError:
            # With CACHE_URL=db:// the cache is the database. The view meets the same error,
            # where an unreachable database gets the 503 page and a one-line log, not a
            # traceback for every request.
            return None
