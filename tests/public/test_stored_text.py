"""Whatever text is stored, the site's XML and JSON-LD stay well-formed.

Rows written before text was cleaned on the way in (articles/text.py), or by a raw UPDATE, may
hold any character a database takes: control characters (a vertical tab from a word processor),
U+FFFE and U+FFFF, "]]>", "</script>", "<!--", quotes, bidirectional marks. Every feed, every
sitemap page and the story page's JSON-LD are rendered from such rows and parsed strictly.
"""

import json
import re
import xml.etree.ElementTree as ElementTree

import feedparser
import pytest
from django.db import connection, transaction
from django.test import RequestFactory
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.models import Byline
from interviews.models import Exchange
from public.feeds import LatestAtomFeed, LatestFeed
from public.templatetags.articles import news_article_json_ld
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    ContributorFactory,
    InterviewArticleFactory,
    SectionFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]

TRICKY = [
    "\x0b",  # a word processor's soft line break
    "\x0c",
    "\x00",
    "\x1b",
    "\x7f",
    "\x85",
    "\r\n",
    "\r",
    "\t",
    "\ufffe",
    "\uffff",
    "\ufdd0",
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u2028",
    "]]>",
    "</script>",
    "</SCRIPT ",
    "<!--",
    "-->",
    "<script>",
    '"',
    "'",
    "&",
    "&amp;",
    "<",
    ">",
    "الثوار",
]
# Any character at all but the halves of surrogate pairs, which neither SQLite nor PostgreSQL
# can store (Python refuses to encode them as UTF-8); see the in-memory test at the end.
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
stored_text = st.lists(st.one_of(st.sampled_from(TRICKY), any_text), max_size=6).map("".join)

JSON_LD = re.compile(r'<script type="application/ld\+json">', re.IGNORECASE)


def parse_feed(content: bytes):
    ElementTree.fromstring(content)
    feed = feedparser.parse(content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


def parse_xml(content: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(content)


def json_ld_blocks(html: str) -> list[dict]:
    """Each JSON-LD block as a browser reads it: the script ends at the first "</script"."""
    blocks = []
    for start in JSON_LD.finditer(html):
        rest = html[start.end() :]
        end = rest.lower().find("</script")
        assert end != -1
        text = rest[:end]
        # No "<" at all: nothing inside can end the element or open a comment that would hide
        # its end from the parser.
        assert "<" not in text
        blocks.append(json.loads(text))
    return blocks


def storable(text: str) -> str:
    # PostgreSQL refuses a NUL in any text; SQLite keeps it, and the site must cope.
    return text.replace("\x00", "") if connection.vendor == "postgresql" else text


@settings(settings.get_profile("stories"), max_examples=30)
@given(
    headline=stored_text,
    dek=stored_text,
    body=stored_text,
    question=stored_text,
    answer=stored_text,
    name=stored_text,
    tag=stored_text,
    section=stored_text,
)
def test_feeds_sitemaps_and_json_ld_are_well_formed_whatever_text_is_stored(
    client, headline, dek, body, question, answer, name, tag, section
):
    with transaction.atomic():
        article = InterviewArticleFactory(
            published=True,
            headline=storable("H" + headline),
            dek=storable(dek),
            body=storable(f"<p>{body}</p>"),
            section=SectionFactory(name=storable("S" + section)),
            interviewee=storable("I" + name),
        )
        Exchange.objects.create(
            article=article,
            position=1,
            question=storable("Q" + question),
            answer=storable("A" + answer),
        )
        person = ContributorFactory(name=storable("N" + name))
        BylineFactory(article=article, contributor=person, role=Byline.Role.AUTHOR, position=0)
        article.tags.add(storable("T" + tag))
        tag_slug = article.tags.get().slug
        section_slug = article.section.slug

        for url in (
            "/feeds/latest.rss",
            "/feeds/latest.atom",
            f"/feeds/sections/{section_slug}.rss",
            f"/feeds/sections/{section_slug}.atom",
            f"/feeds/tags/{tag_slug}.rss",
            f"/feeds/tags/{tag_slug}.atom",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert len(parse_feed(response.content).entries) == 1, url

        index = parse_xml(client.get("/sitemap.xml").content)
        assert len(index) == 5
        for url in (
            "/sitemap-articles.xml",
            "/sitemap-sections.xml",
            "/sitemap-home.xml",
            "/sitemap-editions.xml",
            "/sitemap-originals.xml",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            parse_xml(response.content)

        response = client.get(article.get_absolute_url())
        assert response.status_code == 200
        (data,) = json_ld_blocks(response.content.decode())
        assert data["@type"] == "NewsArticle"
        assert data["author"][0]["url"].endswith(f"/contributors/{person.slug}/")
        transaction.set_rollback(True)


def test_text_no_database_can_store_still_makes_well_formed_feeds_and_json_ld(monkeypatch):
    """Lone surrogates cannot be stored, but the outputs clean whatever the objects hold."""
    article = ArticleFactory(published=True, tags=["Daraa"])
    BylineFactory(article=article, contributor=ContributorFactory(name="Hala"), position=0)
    article.headline = "Lone \ud800 half \udfff and a \x0b tab"
    article.dek = "</script><!-- \ud83d"
    html = news_article_json_ld(article)
    html.encode("utf-8")
    (data,) = json_ld_blocks(html)
    assert data["headline"] == "Lone  half  and a \n tab"

    monkeypatch.setattr(LatestFeed, "items", lambda self, obj=None: [article])
    request = RequestFactory().get("/feeds/latest.rss")
    for feed in (LatestFeed(), LatestAtomFeed()):
        response = feed(request)
        assert response.status_code == 200
        assert parse_feed(response.content).entries[0].title.startswith("Lone")
