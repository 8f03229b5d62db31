"""Corrections for readers: /corrections/ (the newsroom's corrections, newest first) and its
feeds, and what the stories' own feeds say of a story's corrections (public/feeds.py).

Only the corrections of stories readers can read now (ArticleQuerySet.published()) are listed. A
withdrawn story's corrections are not: its page answers 410 with the public reason, and a story is
withdrawn because what it said should no longer be said (a legal complaint, a source at risk),
which a correction often repeats ("An earlier version named ..."). They come back with the story,
if it is published again.
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.shortcuts import render
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from articles.models import Article, Correction
from articles.site_address import site_url
from articles.text import clean_values

from .caching import public_page
from .pagination import listing_page

PAGE_SIZE = 20
FEED_SIZE = 30


def public_corrections() -> QuerySet[Correction]:
    """The corrections of the stories readers may read now, newest first, each with what its
    line shows of its story (headline, address), in one query."""
    return (
        Correction.objects.filter(article__in=Article.objects.published().values("pk"))
        .select_related("article")
        .only("text", "created_at", "article_id", "article__slug", "article__headline")
        .order_by("-created_at", "-pk")
    )


def correction_url(correction: Correction) -> str:
    """Where a correction is on its story's page (the story's corrections block)."""
    return f"{correction.article.get_absolute_url()}#correction-{correction.pk}"


@public_page
def corrections_list(request):
    """/corrections/: every correction of a published story, newest first, a page at a time."""
    page = listing_page(request, public_corrections(), PAGE_SIZE)
    return render(request, "articles/corrections.html", {"page": page})


# What the stories' own feeds say of a story's corrections (public/feeds.py). The story's
# corrections are prefetched with it.


def story_corrections(article: Article) -> list[Correction]:
    """The story's corrections, oldest first, from its prefetched rows."""
    return sorted(article.corrections.all(), key=lambda c: (c.created_at, c.pk))


def updated_at(article: Article) -> datetime:
    """A feed item's updated time: the story's last save, or its latest correction if later
    (a correction is added without saving the story)."""
    times = [article.updated_at, *(c.created_at for c in story_corrections(article))]
    return max(t for t in times if t is not None)


def corrections_html(article: Article) -> str:
    """The story's corrections as a feed item carries them, after its text; "" without any.

    RSS 2.0 has no updated time for an item, so each correction is dated in the text itself.
    """
    corrections = story_corrections(article)
    if not corrections:
        return ""
    lines = [
        f'<li><time datetime="{c.created_at.isoformat()}">'
        f"{timezone.localtime(c.created_at):%-d %B %Y}</time>: {escape(c.text)}</li>"
        for c in corrections
    ]
    return "<h2>Corrections</h2>\n<ul>" + "".join(lines) + "</ul>"


class CorrectionsFeed(Feed):
    """/corrections/feed.rss: the newsroom's corrections, newest first, one item each."""

    def title(self, obj: Any) -> str:
        return f"{settings.SITE_NAME}: corrections"

    def link(self, obj: Any) -> str:
        return "/corrections/"

    def description(self, obj: Any) -> str:
        return f"Corrections to stories published by {settings.SITE_NAME}, newest first."

    def items(self, obj: Any):
        return public_corrections()[:FEED_SIZE]

    def get_feed(self, obj, request):
        """Every text cleaned before it is written, as the stories' feeds do (public/feeds.py)."""
        feed = super().get_feed(obj, request)
        feed.feed = clean_values(feed.feed)
        feed.items = [clean_values(item) for item in feed.items]
        return feed

    def item_title(self, item: Correction) -> str:
        return f"Correction: {item.article.headline}"

    def item_description(self, item: Correction) -> str:
        return f"<p>{escape(item.text)}</p>"

    def item_link(self, item: Correction) -> str:
        return f"{site_url()}{correction_url(item)}"

    def item_guid(self, item: Correction) -> str:
        return self.item_link(item)

    item_guid_is_permalink = True

    def item_author_name(self, item: Correction) -> str:
        return settings.SITE_NAME

    def item_pubdate(self, item: Correction):
        return item.created_at

    def item_updateddate(self, item: Correction):
        return item.created_at


class CorrectionsAtomFeed(CorrectionsFeed):
    feed_type = Atom1Feed
    subtitle = CorrectionsFeed.description
