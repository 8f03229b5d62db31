"""The public page cache, its invalidation, and conditional GET (ETag, Last-Modified, 304).

Every cached page is stored under the current *site version*. Changing anything a reader can see
(a story published, edited, corrected or withdrawn; its bylines, tags or exchanges) goes through
the door, whose announcement calls invalidate_public_pages(), which starts a new version: old
pages are never served again and expire from the cache on their own. A scheduled story going
live changes what readers see without any save, and so does an embargo's time coming, so the
version also records when the next scheduled story goes live or the next embargo ends, and
renews itself at that moment.

The version lives in the cache, so the cache must be one that every gunicorn worker and every
app server shares (Redis, or the database's cache table): with one per process, a withdrawal
forgets the version of one process only, and the others keep serving the story. Settings refuse
a per-process cache with DEBUG off.

A page is stored under what it depends on: the scheme and host it was asked on (a feed's links
name them), its path, and the few query parameters a public page reads. It is stored only when
it could be served to anyone: it sets no cookie, varies on no request header, and its rendering
read neither the session nor a CSRF token.

The same pages, and only those, may also be kept for a second by the edge cache in front of
the app servers (nginx's proxy cache, deploy/nginx/newsroom.conf), which serves them to readers
without a session; see allow_edge_cache().

No stampede after a change: when a new version starts, every page misses at once, and the
readers who arrive in the next moment would all render the same page. The first of them to ask
for a page takes a short render lock in the cache (cache.add, atomic on Redis, locmem and the
database cache) and renders it; the others are given the previous version's copy of that page
for the few milliseconds this takes, or, without one, wait briefly for the winner's copy. A
change that takes a story away from readers (a withdrawal, an unpublication, a deletion) leaves
no previous version, so a withdrawn story is never served from an old copy. A winner that dies
holds its lock only RENDER_LOCK_SECONDS.

A shared cache (Redis) that stops answering must not take the site down with it: pages are then
rendered for every request, as with caching off, and the failure is logged.
"""

import hashlib
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.db import transaction
from django.db.models import Min, Q
from django.http import HttpRequest, HttpResponse
from django.template.response import SimpleTemplateResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from articles.primary import reading_from_the_primary

from . import stampede
from .edge import allow_edge_cache
from .stampede import RENDER_LOCK_KEY as RENDER_LOCK_KEY  # re-exported: the cache's own names
from .stampede import RENDER_LOCK_SECONDS as RENDER_LOCK_SECONDS
from .stampede import render_count as render_count

logger = logging.getLogger("newsroom.cache")

VERSION_KEY = "public-pages:version"
PAGE_KEY = "public-pages:{version}:{digest}"
# The version before the current one, whose pages may stand in while the current one's render.
PREVIOUS_VERSION_KEY = "public-pages:previous-version"


# Held by the one request rendering a page under a new version.
def _cache_errors() -> tuple[type[BaseException], ...]:
    """What a cache backend raises when its server cannot be reached."""
    errors: list[type[BaseException]] = [OSError]
    try:
        from redis.exceptions import RedisError
    except ImportError:  # redis is only needed with CACHE_URL=redis://
        pass
    else:
        errors.append(RedisError)
    return tuple(errors)


CACHE_ERRORS = _cache_errors()


def page_seconds() -> int:
    """How long a rendered page stays in the cache; 0 when page caching is off, by
    PUBLIC_PAGE_CACHE_SECONDS=0 or by having no cache at all (CACHE_URL=dummy://), in which
    case not even the site version is looked up."""
    if isinstance(caches["default"], DummyCache):
        return 0
    return int(getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 600))


@dataclass(frozen=True)
class SiteVersion:
    key: str
    changed_at: float
    next_live_at: float | None

    @property
    def is_stale(self) -> bool:
        return self.next_live_at is not None and time.time() >= self.next_live_at


def _new_version() -> SiteVersion:
    from articles.models import Article

    now = datetime.now(tz=UTC)
    # The next moment a story goes live by itself: a scheduled time, or an embargo's end.
    coming = Article.objects.filter(
        Q(published_at__gt=now) | Q(embargo_until__gt=now), status__in=Article.LIVE_STATES
    ).aggregate(
        next_live=Min("published_at", filter=Q(published_at__gt=now)),
        next_free=Min("embargo_until", filter=Q(embargo_until__gt=now)),
    )
    upcoming = min((t for t in coming.values() if t is not None), default=None)
    return SiteVersion(
        key=uuid.uuid4().hex[:16],
        # Whole seconds: Last-Modified has no finer resolution, and If-Modified-Since compares.
        changed_at=float(int(now.timestamp())),
        next_live_at=upcoming.timestamp() if upcoming else None,
    )


def current_version(*, create: bool = True) -> SiteVersion | None:
    """The site version in the cache; a new one (one query) if there is none or it is stale,
    unless `create` is false, when None says there is no usable one."""
    version = cache.get(VERSION_KEY)
    if isinstance(version, SiteVersion) and not version.is_stale:
        return version
    if not create:
        return None
    new = _new_version()
    if isinstance(version, SiteVersion):
        # A scheduled story went live: only something was added, so the old pages may stand in.
        cache.set(PREVIOUS_VERSION_KEY, version, page_seconds())
        cache.set(VERSION_KEY, new, None)
        return new
    # Readers arriving together after a change must agree on one version, or each would render
    # the page under a version of its own.
    if cache.add(VERSION_KEY, new, None):
        return new
    agreed = cache.get(VERSION_KEY)
    return agreed if isinstance(agreed, SiteVersion) else new


def invalidate_public_pages(*, stale_copies: bool = True) -> None:
    """Forget every cached public page now, and again when the current transaction commits.

    The second time matters: between the change and its commit another request may render
    and cache the old page.

    With `stale_copies` the forgotten version's pages may stand in for a moment while the new
    version's are rendered; without it (a story taken away from readers) none may, ever.

    Called for every change the door (articles/changes/) announces, through
    on_story_changed; call it directly only for what changes pages without a story changing.
    """
    forget = _forget_version if stale_copies else _forget_version_and_the_previous
    forget()
    transaction.on_commit(forget)


def _forget_version() -> None:
    # An editor's save must not fail because the cache is down; the pages cached before the
    # outage expire on their own (PUBLIC_PAGE_CACHE_SECONDS), and a restarted Redis has none.
    try:
        version = cache.get(VERSION_KEY)
        if isinstance(version, SiteVersion):
            cache.set(PREVIOUS_VERSION_KEY, version, page_seconds() or None)
        cache.delete(VERSION_KEY)
    except CACHE_ERRORS:
        logger.exception("Could not invalidate the public page cache")


def _forget_version_and_the_previous() -> None:
    try:
        cache.delete_many([VERSION_KEY, PREVIOUS_VERSION_KEY])
    except CACHE_ERRORS:
        logger.exception("Could not invalidate the public page cache")


def _etag(content: bytes) -> str:
    return '"' + hashlib.md5(content, usedforsecurity=False).hexdigest() + '"'


def finish_response(
    request: HttpRequest,
    response: HttpResponse,
    last_modified: float | None,
    *,
    shared: bool,
) -> HttpResponse:
    """Add validators and caching headers, and turn a matching conditional request into 304.

    A `shared` page, one that any reader may be given, may also be kept by the edge cache.
    """
    if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
        response.render()
    if shared:
        allow_edge_cache(response)
    if "ETag" not in response:
        response["ETag"] = _etag(response.content)
    if last_modified is not None and "Last-Modified" not in response:
        response["Last-Modified"] = http_date(last_modified)
    # Browsers keep the page but ask again every time: a correction is seen at once, and an
    # unchanged page costs a 304 with no body.
    patch_cache_control(response, max_age=0, must_revalidate=True)
    # Whole seconds, as Last-Modified and If-Modified-Since carry them.
    seconds = None if last_modified is None else int(last_modified)
    conditional = get_conditional_response(
        request, etag=response["ETag"], last_modified=seconds, response=response
    )
    return conditional or response  # None only when no response is given


# The only query parameters a public page reads (p: a sitemap's page). Others (utm_source, cache
# busters) do not change the page, so they get no cache entry of their own.
PAGE_PARAMETERS = ("q", "page", "p")
# Page numbers as the site's own links write them. "?page=01" or "?page=x" shows the same page as
# another address, or none: such a page is served but not stored, so that no one can fill the
# cache with copies of it.
PAGE_NUMBER_PARAMETERS = ("page", "p")
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")


def _page_identity(request: HttpRequest) -> str:
    """Everything a public page depends on, each value encoded on its own (JSON), so that no
    two different requests can spell the same key ("?q=a%26page%3D2" is not "?q=a&page=2").

    A parameter given twice counts by its last value, the one request.GET.get() hands a view.
    The host is the validated Host header, lower-cased as host names compare.
    """
    parameters = [(name, request.GET[name]) for name in PAGE_PARAMETERS if name in request.GET]
    return json.dumps([request.scheme, request.get_host().lower(), request.path, parameters])


def page_key(request: HttpRequest, version: SiteVersion) -> str:
    digest = hashlib.sha256(_page_identity(request).encode()).hexdigest()
    return PAGE_KEY.format(version=version.key, digest=digest)


def _is_storable(request: HttpRequest) -> bool:
    """Is the page asked for at its own address? Only then is it stored."""
    return all(
        PAGE_NUMBER.fullmatch(request.GET[name])
        for name in PAGE_NUMBER_PARAMETERS
        if name in request.GET
    )


def _is_shared(request: HttpRequest, response: HttpResponse) -> bool:
    """Could this rendered response go to every reader who asks for the same page?

    Not if it sets a cookie, names request headers it varies on (the key holds none of them)
    or forbids shared caching, nor if rendering it read the session (whose user it is) or a
    CSRF token (whose form it is): the session and CSRF middleware would add their own
    `Vary: Cookie` only after this decorator has returned.
    """
    if response.cookies or response.has_header("Vary"):
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if "private" in cache_control or "no-store" in cache_control:
        return False
    session = getattr(request, "session", None)
    if session is not None and session.accessed:
        return False
    return not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")


# Where lookup() keeps its answer on the request, for the view to reuse after the middleware.
LOOKUP_ATTRIBUTE = "_public_page_lookup"
# A page as the cache holds it: status, body, headers.
CachedPage = tuple[int, bytes, list[tuple[str, str]]]


class CacheUnavailable(Exception):
    """The cache server did not answer; the page is rendered without it."""


def lookup(
    request: HttpRequest, *, from_cache_only: bool = False
) -> tuple[SiteVersion | None, HttpResponse | None]:
    """The site version, and the cached copy of the page `request` asks for (or its 304).

    Done once per request: CachedPageMiddleware looks first, and public_page reuses the answer
    on a miss instead of asking the cache a second time. The middleware looks `from_cache_only`:
    it runs for every request, public page or not, so it never queries the stories; without a
    version in the cache it answers (None, None) and the view's own lookup makes one. (With
    CACHE_URL=db:// its two cache reads are themselves queries, of the cache table.)
    Raises CacheUnavailable, again on every call for the request, when the cache did not answer.
    """
    if not hasattr(request, LOOKUP_ATTRIBUTE):
        found: tuple[SiteVersion, CachedPage | None] | None
        try:
            version = current_version(create=not from_cache_only)
            if version is None:
                return None, None
            found = (version, cache.get(page_key(request, version)))
        except CACHE_ERRORS:
            logger.exception("Public page cache unreachable; rendering %s uncached", request.path)
            found = None
        setattr(request, LOOKUP_ATTRIBUTE, found)
    looked_up: tuple[SiteVersion, CachedPage | None] | None = getattr(request, LOOKUP_ATTRIBUTE)
    if looked_up is None:
        raise CacheUnavailable
    version, cached = looked_up
    if cached is None:
        return version, None
    return version, serve_cached(request, cached, version)


def is_cacheable(request: HttpRequest) -> bool:
    return request.method in ("GET", "HEAD") and page_seconds() > 0


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Cache a public view's successful GET responses under the site version; answer 304s."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not is_cacheable(request):
            return _uncached(request, view(request, *args, **kwargs))
        try:
            version, response = lookup(request)
        except CacheUnavailable:
            return _uncached(request, view(request, *args, **kwargs))
        if response is not None:
            return response
        if version is None:  # lookup() makes a version unless asked from the cache only
            return _uncached(request, view(request, *args, **kwargs))
        # With read replicas, a page rendered just after a change could read a replica that has
        # not replayed the change yet, and be kept under the new version until the next change:
        # in a version's first seconds, the pages it keeps are read from the primary.
        young = time.time() - version.changed_at < REPLICA_SETTLE_SECONDS
        storable = _is_storable(request)
        lock_key = None
        if storable:
            stand_in, lock_key = stampede.while_another_renders(request, version)
            if stand_in is not None:
                return stand_in
        try:
            with reading_from_the_primary(young):
                response = view(request, *args, **kwargs)
            return _store(request, response, version, storable)
        finally:
            if lock_key is not None:
                stampede.release(lock_key)

    return wrapper


def _store(
    request: HttpRequest, response: HttpResponse, version: SiteVersion, storable: bool
) -> HttpResponse:
    """Keep a freshly rendered page under `version`, if it may go to everyone."""
    if storable and getattr(settings, "PUBLIC_PAGE_COUNT_RENDERS", False):
        stampede.count_render()
    if response.status_code != 200 or response.streaming:
        return response
    if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
        response.render()  # before _is_shared(): a template reads the session here
    if not _is_shared(request, response):
        return response
    response["ETag"] = _etag(response.content)
    if storable:
        headers = list(response.items())
        try:
            cache.set(page_key(request, version), (200, response.content, headers), page_seconds())
        except CACHE_ERRORS:
            logger.exception("Could not store %s in the public page cache", request.path)
    return finish_response(request, response, version.changed_at, shared=True)


def serve_cached(
    request: HttpRequest, cached: CachedPage, version: SiteVersion, *, shared: bool = True
) -> HttpResponse:
    """A stored page as the answer to `request`, under `version` (its validators and headers:
    finish_response). `shared` False for a page that stands in for a moment and must not be kept
    by the edge cache."""
    status, content, headers = cached
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    # CommonMiddleware adds it on the full path; the fast path answers before it.
    response["Content-Length"] = str(len(content))
    return finish_response(request, response, version.changed_at, shared=shared)


# Longer than a healthy replica's lag (/healthz reports it).
REPLICA_SETTLE_SECONDS = 5


def _uncached(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if request.method in ("GET", "HEAD") and response.status_code == 200 and not response.streaming:
        if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
            response.render()  # before _is_shared(): a template reads the session here
        return finish_response(request, response, None, shared=_is_shared(request, response))
    return response


# What the door names when a change may take a story away from readers.
HIDING_CHANGES = frozenset({"status", "published_at", "review", "story", "restore", "embargo"})


def on_story_changed(
    sender: object,
    *,
    article_ids: frozenset[int] = frozenset(),
    changed: frozenset[str] = frozenset(),
    **kwargs: object,
) -> None:
    """Any change the door announces may show on any page: start a new site version.

    If it may have taken a story away (withdrawn, unpublished, deleted), the old pages must not
    stand in for the new ones even for a moment (one query, for such changes only).
    """
    invalidate_public_pages(stale_copies=not _hides_a_story(article_ids, changed))


def _hides_a_story(article_ids: frozenset[int], changed: frozenset[str]) -> bool:
    if not changed & HIDING_CHANGES:
        return False
    if changed & {"story", "restore"}:
        return True
    from articles.models import Article

    ids = set(article_ids)
    return Article.objects.published().filter(pk__in=ids).count() != len(ids)
