"""No stampede after a change: one request renders a page, the others wait or get the old one.

A change through the door starts a new site version, so every page misses at once. The first
request for a page under the new version takes a short render lock in the cache (cache.add,
atomic on Redis, locmem and the database cache; it expires if its holder dies), renders the page
and stores it. Requests arriving meanwhile get the previous version's copy of that page, served
as it was and never stored; without one they wait briefly for the winner's copy, then render it
themselves. The page cache itself (public/caching.py) calls these.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from . import caching as pages

RENDER_LOCK_KEY = "public-pages:{version}:{digest}:rendering"
RENDER_LOCK_SECONDS = 5
# Without a previous copy, how long a request waits for the winner's copy before rendering.
RENDER_WAIT_SECONDS = 1.5
RENDER_WAIT_STEP = 0.02
# Counts renders of storable pages, only with PUBLIC_PAGE_COUNT_RENDERS (the benchmark's).
RENDER_COUNT_KEY = "public-pages:renders"


def while_another_renders(
    request: HttpRequest, version: pages.SiteVersion
) -> tuple[HttpResponse | None, str | None]:
    """On a miss: (None, lock) when this request is the one to render the page, holding the
    lock it must release; (a page, None) when another request is rendering it and this one may
    have its copy, or the previous version's; (None, None) when it should render it anyway
    (the winner is taking too long, or the cache does not answer)."""
    key = pages.page_key(request, version)
    lock_key = RENDER_LOCK_KEY.format(version=version.key, digest=key.rsplit(":", 1)[1])
    try:
        if cache.add(lock_key, 1, RENDER_LOCK_SECONDS):
            # A winner may have stored the page and let go since this request looked.
            cached = cache.get(key)
            if cached is None:
                return None, lock_key
            cache.delete(lock_key)
            return pages.serve_cached(request, cached, version), None
        previous = cache.get(pages.PREVIOUS_VERSION_KEY)
        if isinstance(previous, pages.SiteVersion) and previous.key != version.key:
            cached = cache.get(pages.page_key(request, previous))
            if cached is not None:
                # Served, never stored, and not kept by the edge cache: it stands in for a
                # moment only.
                return pages.serve_cached(request, cached, previous, shared=False), None
        deadline = time.monotonic() + RENDER_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(RENDER_WAIT_STEP)
            cached = cache.get(key)
            if cached is not None:
                return pages.serve_cached(request, cached, version), None
            if cache.get(lock_key) is None:
                # The winner stored the page just now, or gave up (no page to store), or died.
                cached = cache.get(key)
                if cached is not None:
                    return pages.serve_cached(request, cached, version), None
                break
    except pages.CACHE_ERRORS:
        pages.logger.exception("Public page cache unreachable while %s was rendered", request.path)
    return None, None


def release(lock_key: str) -> None:
    try:
        cache.delete(lock_key)
    except pages.CACHE_ERRORS:
        pages.logger.exception("Could not release the render lock %s", lock_key)


def count_render() -> None:
    try:
        cache.incr(RENDER_COUNT_KEY)
    except ValueError:  # no counter yet
        cache.add(RENDER_COUNT_KEY, 0, None)
        cache.incr(RENDER_COUNT_KEY)
    except pages.CACHE_ERRORS:
        pass


def render_count() -> int:
    """Renders of storable pages since the counter was reset (PUBLIC_PAGE_COUNT_RENDERS)."""
    return int(cache.get(RENDER_COUNT_KEY) or 0)
