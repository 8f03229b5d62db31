"""The page a preview link opens: a story's latest saved text, as readers will see it, for someone
without an account (articles/previews.py makes and reads the signed address).

What the page must never do, and where that is made sure of:

- be kept by a cache for anyone else. These views are not public_page views, so the page cache
  (public/caching.py) never stores them; every response says `Cache-Control: private, no-store`,
  which both the page cache's _is_shared() and the edge's let_the_edge_keep_a_gone_page()
  (public/edge.py) read as "keep nothing", and none carries X-Accel-Expires, the only mark nginx
  keeps a page by. Refusals (404) say the same, so that not even "no such preview" is kept.
- be indexed or followed: `X-Robots-Tag: noindex, nofollow` and the same robots meta tag.
- hand the secret address to another site: `Referrer-Policy: no-referrer` (and the meta tag).
- show anything of a story the link no longer opens: an expired, revoked, tampered or unknown
  token, or a story that may not be previewed (_preview_allowed: withdrawn, or under an
  embargo), gets the same 404 page, which names nothing of the story.

Each opening is one PreviewOpening row with its time and nothing about who opened it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import SimpleTemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from articles import previews
from articles.models import Article
from articles.primary import reading_from_the_primary

PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True)
class Preview:
    """What the story templates need to know of the preview they are drawing."""

    path: str
    original_path: str
    expires_at: datetime


def _preview_allowed(article: Article) -> bool:
    """May a preview link show `article` now? Not once it is withdrawn, nor while an embargo on it
    is still to run: a link handed to a source must not carry the story out before its time.

    The one place the story's own state is judged for a preview (the link's own state, expired
    or revoked, is articles/previews.active_link's).
    """
    return article.status != Article.Status.WITHDRAWN and not article.is_embargoed


def _private(response: HttpResponse) -> HttpResponse:
    for name, value in PRIVATE_HEADERS.items():
        response[name] = value
    return response


def _not_found(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "preview_unavailable.html", status=404))


def _story(request: HttpRequest, token: str) -> tuple[Article, Preview] | HttpResponse:
    """The story `token` opens now, recording the opening; or the 404 page."""
    link = previews.active_link(token)
    if link is None:
        return _not_found(request)
    article = (
        Article.objects.for_page().prefetch_related("corrections").filter(pk=link.article_id)
    ).first()
    if article is None or not _preview_allowed(article):
        return _not_found(request)
    if request.method == "GET":
        previews.record_opening(link)
    preview = Preview(
        path=reverse("articles:preview", args=[token]),
        original_path=reverse("articles:preview-original", args=[token]),
        expires_at=link.expires_at,
    )
    return article, preview


def _from_the_primary(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Every read of the view, its template's included, from the primary database: a link made a
    moment ago must open, and show the text saved a moment ago (newsroom/routers.py sends a
    reader's reads to a replica otherwise, which may not have replayed either yet)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        with reading_from_the_primary():
            response = view(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response.render()
            return response

    return wrapper


@require_safe
@_from_the_primary
def preview(request: HttpRequest, token: str) -> HttpResponse:
    """The story as its public page shows it, with the "Not published" banner."""
    found = _story(request, token)
    if isinstance(found, HttpResponse):
        return found
    article, shown = found
    if article.is_interview:
        template = "interviews/interview_detail.html"
    else:
        template = "articles/article_detail.html"
    return _private(render(request, template, {"article": article, "preview": shown}))


@require_safe
@_from_the_primary
def preview_original(request: HttpRequest, token: str) -> HttpResponse:
    """The original-language text of a translated story, from the same link."""
    found = _story(request, token)
    if isinstance(found, HttpResponse):
        return found
    article, shown = found
    if not article.has_original_text:  # the same rule as the public original page's
        return _not_found(request)
    return _private(
        render(
            request,
            "articles/article_original.html",
            # A preview wears the English site's furniture, around the original's text.
            {"article": article, "preview": shown, "base_template": "base.html"},
        )
    )
