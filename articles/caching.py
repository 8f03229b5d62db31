"""The public page cache, its invalidation, and conditional GET (ETag, Last-Modified, 304).

Every cached page is stored under the current *site version*. Changing anything a reader can see
(a story published, edited, corrected or withdrawn; its bylines, tags or exchanges) calls
invalidate_public_pages(), which starts a new version: old pages are never served again and
expire from the cache on their own. A scheduled story going live changes what readers see
without any save, so the version also records when the next scheduled story goes live and
renews itself at that moment.
"""

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

VERSION_KEY = "public-pages:version"
PAGE_KEY = "public-pages:{version}:{digest}"


def page_seconds() -> int:
    """How long a rendered page stays in the cache; 0 turns page caching off."""
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
    from .models import Article

    now = datetime.now(tz=UTC)
    upcoming = Article.objects.filter(
        status__in=[Article.Status.PUBLISHED, Article.Status.SCHEDULED], published_at__gt=now
    ).aggregate(next_live=Min("published_at"))["next_live"]
    return SiteVersion(
        key=uuid.uuid4().hex[:16],
        # Whole seconds: Last-Modified has no finer resolution, and If-Modified-Since compares.
        changed_at=float(int(now.timestamp())),
        next_live_at=upcoming.timestamp() if upcoming else None,
    )


def current_version() -> SiteVersion:
    version = cache.get(VERSION_KEY)
    if not isinstance(version, SiteVersion) or version.is_stale:
        version = _new_version()
        cache.set(VERSION_KEY, version, None)
    return version


def invalidate_public_pages() -> None:
    """Forget every cached public page now, and again when the current transaction commits.

    The second time matters: between the change and its commit another request may render
    and cache the old page.

    Call this after changing anything a reader sees. The receivers at the end of this module
    call it for saves and deletes of stories and their parts; the workflow's transition()
    writes with UPDATE, so its StatusChange row is what tells us of a publish or withdrawal.
    """
    cache.delete(VERSION_KEY)
    transaction.on_commit(lambda: cache.delete(VERSION_KEY))


def _etag(content: bytes) -> str:
    return '"' + hashlib.md5(content, usedforsecurity=False).hexdigest() + '"'


def _finish(request: HttpRequest, response: HttpResponse, last_modified: float | None):
    """Add validators and caching headers, and turn a matching conditional request into 304."""
    if not getattr(response, "is_rendered", True):
        response.render()
    if "ETag" not in response:
        response["ETag"] = _etag(response.content)
    if last_modified is not None and "Last-Modified" not in response:
        response["Last-Modified"] = http_date(last_modified)
    # Browsers keep the page but ask again every time: a correction is seen at once, and an
    # unchanged page costs a 304 with no body.
    patch_cache_control(response, max_age=0, must_revalidate=True)
    return get_conditional_response(
        request, etag=response["ETag"], last_modified=last_modified, response=response
    )


# The only query parameters a public page reads. Others (utm_source, cache busters) do not change
# the page, so they must not each get a cache entry of their own.
PAGE_PARAMETERS = ("q", "page")


def _cache_path(request: HttpRequest) -> str:
    params = [(k, request.GET.get(k, "")) for k in PAGE_PARAMETERS if k in request.GET]
    return request.path + "?" + "&".join(f"{k}={v}" for k, v in params)


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Cache a public view's successful GET responses under the site version; answer 304s."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        seconds = page_seconds()
        if request.method not in ("GET", "HEAD") or seconds <= 0:
            response = view(request, *args, **kwargs)
            if request.method in ("GET", "HEAD") and response.status_code == 200:
                return _finish(request, response, None)
            return response
        version = current_version()
        digest = hashlib.sha256(_cache_path(request).encode()).hexdigest()
        key = PAGE_KEY.format(version=version.key, digest=digest)
        cached = cache.get(key)
        if cached is not None:
            status, content, headers = cached
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            return _finish(request, response, version.changed_at)
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        if not getattr(response, "is_rendered", True):
            response.render()
        response["ETag"] = _etag(response.content)
        headers = [(k, v) for k, v in response.items() if k.lower() not in {"set-cookie"}]
        cache.set(key, (response.status_code, response.content, headers), seconds)
        return _finish(request, response, version.changed_at)

    return wrapper


# Models whose rows readers see. Correction is another engineer's model; listed by label it is
# watched as soon as it exists.
WATCHED_MODELS = {
    "articles.Article",
    "articles.Byline",
    "articles.Section",
    "articles.Contributor",
    "articles.Image",
    "articles.StatusChange",
    "articles.Correction",
    "interviews.Interview",
    "interviews.Exchange",
    "taggit.Tag",
    "taggit.TaggedItem",
}


def _on_change(sender, **kwargs) -> None:
    if getattr(getattr(sender, "_meta", None), "label", None) in WATCHED_MODELS:
        invalidate_public_pages()


def connect_signals() -> None:
    """Invalidate on every save or delete of a watched model (idempotent)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    post_save.connect(_on_change, dispatch_uid="public-pages-post-save")
    post_delete.connect(_on_change, dispatch_uid="public-pages-post-delete")
    m2m_changed.connect(_on_change, dispatch_uid="public-pages-m2m")


connect_signals()
