"""RSS 2.0 and Atom feeds of the latest published stories: site-wide, per section, per tag.

A tag's feeds, like its page, exist only while the tag is on a published story.
"""

from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from taggit.models import Tag

from articles.models import Article, Section, all_tags
from articles.site_address import site_url
from articles.text import clean_values
from interviews.markup import answer_html, insertions_html
from interviews.parsing import paragraphs

from . import corrections
from .body import render_body
from .editions import Edition, edition_for, offered
from .templatetags.bylines import authors_of, contributors_of, format_byline, translators_of

FEED_SIZE = 30

DUBLIN_CORE = "http://purl.org/dc/elements/1.1/"


class CreditedRssFeed(Rss201rev2Feed):
    """RSS 2.0 whose items name their writers as the author (dc:creator, as Django writes it)
    and their translators, photographers and editors as dc:contributor (articles/credits.py)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, _link in item.get("contributors") or ():
            handler.addQuickElement("dc:contributor", name, {"xmlns:dc": DUBLIN_CORE})


class CreditedAtomFeed(Atom1Feed):
    """Atom whose entries have an <author> for each writer and a <contributor> for each
    translator, photographer and editor (articles/credits.py)."""

    def add_item_elements(self, handler, item):
        authors = item.get("authors") or ()
        if authors:  # written below, one element each, instead of Django's single author
            item = {**item, "author_name": None}
        super().add_item_elements(handler, item)
        for element, people in (("author", authors), ("contributor", item.get("contributors"))):
            for name, link in people or ():
                handler.startElement(element, {})
                handler.addQuickElement("name", name)
                handler.addQuickElement("uri", link)
                handler.endElement(element)


def _named(people) -> tuple[tuple[str, str], ...]:
    return tuple((person.name, f"{site_url()}/contributors/{person.slug}/") for person in people)


class LatestFeed(Feed):
    """The newest published stories, with their full text and everyone credited."""

    description_template = None
    feed_type: type[Rss201rev2Feed | Atom1Feed] = CreditedRssFeed

    def title(self, obj: Any):
        return f"{settings.SITE_NAME}: latest stories"

    def link(self, obj: Any):
        return "/"

    def description(self, obj: Any):
        return f"The latest reporting and interviews from {settings.SITE_NAME}."

    def articles(self, obj: Any):
        return Article.objects.published()

    def items(self, obj: Any):
        # Corrections: their text closes the item's, and the latest dates its update.
        stories = self.articles(obj).for_page().prefetch_related("corrections")
        return stories.newest_first()[:FEED_SIZE]

    def get_feed(self, obj, request):
        """Django's feed, with every text in it cleaned (articles.text) before it is written.

        Django's XML writer raises on a control character (one vertical tab in a headline made
        the feed a 500) and lets U+FFFF and anything in an attribute through as malformed XML.
        Text is cleaned on the way in now, but rows stored before that, or by hand, are not.
        """
        feed = super().get_feed(obj, request)
        feed.feed = clean_values(feed.feed)
        feed.items = [clean_values(item) for item in feed.items]
        return feed

    def item_title(self, item: Article) -> str:
        return item.headline

    def item_description(self, item: Article) -> str:
        """The dek, the body, and for an interview each question and answer: the full story."""
        parts = [f"<p><strong>{escape(item.dek)}</strong></p>"] if item.dek else []
        # Sanitised on save; library pictures left out (a feed carries no renditions), embeds
        # as links.
        parts.append(render_body(item.body, pictures=False))
        if item.is_interview:
            for exchange in item.exchanges.all():
                parts.append(f"<p><strong>Q: {escape(exchange.question)}</strong></p>")
                answer = exchange.answer_paragraphs
                parts += [f"<p>{answer_html(p, marked=False)}</p>" for p in answer]
        closing = corrections.corrections_html(item)  # the story's corrections, dated
        return "\n".join([*parts, closing] if closing else parts)

    def item_link(self, item: Article) -> str:
        # Absolute on SITE_URL, like the canonical link, whichever host the feed was fetched on.
        return f"{site_url()}{item.get_absolute_url()}"

    def item_guid(self, item: Article) -> str:
        return self.item_link(item)

    item_guid_is_permalink = True

    def item_author_name(self, item: Article) -> str:
        names = [person.name for person in authors_of(item)]
        return ", ".join(names) if names else settings.SITE_NAME

    def item_author_link(self, item: Article) -> str | None:
        people = authors_of(item)
        return f"{site_url()}/contributors/{people[0].slug}/" if people else None

    def item_pubdate(self, item: Article):
        return item.published_at

    def item_updateddate(self, item: Article):
        return corrections.updated_at(item)

    def item_categories(self, item: Article) -> list[str]:
        return [tag.name for tag in item.tags.all()]

    def item_extra_kwargs(self, item: Article) -> dict:
        return {
            "byline": format_byline(item),
            "authors": _named(authors_of(item)),
            "contributors": _named([*translators_of(item), *contributors_of(item)]),
        }


class LatestAtomFeed(LatestFeed):
    feed_type = CreditedAtomFeed
    subtitle = LatestFeed.description


class SectionFeed(LatestFeed):
    def get_object(self, request, slug: str) -> Section:
        return get_object_or_404(Section, slug=slug)

    def title(self, obj: Section) -> str:
        return f"{settings.SITE_NAME}: {obj.name}"

    def link(self, obj: Section) -> str:
        return f"/sections/{obj.slug}/"

    def description(self, obj: Section) -> str:
        return obj.description or f"The latest {obj.name} stories from {settings.SITE_NAME}."

    def articles(self, obj: Section):
        return Article.objects.published().filter(section=obj)


class SectionAtomFeed(SectionFeed):
    feed_type = CreditedAtomFeed
    subtitle = SectionFeed.description


class TagFeed(LatestFeed):
    def get_object(self, request, slug: str) -> Tag:
        return get_object_or_404(all_tags().public(), slug=slug)

    def title(self, obj: Tag) -> str:
        return f"{settings.SITE_NAME}: stories tagged {obj.name}"

    def link(self, obj: Tag) -> str:
        return f"/tags/{obj.slug}/"

    def description(self, obj: Tag) -> str:
        return f"The latest stories tagged {obj.name} from {settings.SITE_NAME}."

    def articles(self, obj: Tag):
        return Article.objects.published().filter(tags__slug=obj.slug)


class TagAtomFeed(TagFeed):
    feed_type = CreditedAtomFeed
    subtitle = TagFeed.description


class EditionFeed(LatestFeed):
    """An original-language edition's feed (/ar/feed.rss): its stories' original headlines and
    texts, linking to their original pages, with the feed's language set to the edition's.
    A language with no edition, or none published yet, has no feed."""

    def get_object(self, request, language: str) -> Edition:
        edition = edition_for(language)
        if edition is None or not offered(edition).exists():
            raise Http404("No such edition.")
        return edition

    def get_feed(self, obj: Edition, request):
        # Django names the feed's language by the active one (<language>, xml:lang).
        with translation.override(obj.code):
            return super().get_feed(obj, request)

    def title(self, obj: Edition) -> str:
        return obj.say("feed_title", site=settings.SITE_NAME, language=obj.name_local)

    def link(self, obj: Edition) -> str:
        return f"{site_url()}{obj.home_url}"

    def description(self, obj: Edition) -> str:
        return obj.say("feed_description", site=settings.SITE_NAME, language=obj.name_local)

    def articles(self, obj: Edition):
        return offered(obj)

    def item_title(self, item: Article) -> str:
        return item.source_headline or item.headline

    def item_description(self, item: Article) -> str:
        """The original standfirst, text, and an interview's original questions and answers."""
        parts = [f"<p><strong>{escape(item.source_dek)}</strong></p>"] if item.source_dek else []
        parts += [f"<p>{insertions_html(p)}</p>" for p in paragraphs(item.source_body)]
        if item.is_interview:
            for exchange in item.exchanges.all():
                if exchange.question_original:
                    parts.append(
                        f"<p><strong>{insertions_html(exchange.question_original)}</strong></p>"
                    )
                parts += [f"<p>{answer_html(p)}</p>" for p in exchange.answer_original_paragraphs]
        return "\n".join(parts)

    def item_link(self, item: Article) -> str:
        return f"{site_url()}{item.original_url}"


class EditionAtomFeed(EditionFeed):
    feed_type = Atom1Feed
    subtitle = EditionFeed.description
