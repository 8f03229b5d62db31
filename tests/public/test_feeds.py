"""RSS and Atom feeds: parse cleanly, name authors, carry the full story, published only."""

from datetime import timedelta

import feedparser
import pytest
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article, Byline
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    ContributorFactory,
    ExchangeFactory,
    InterviewArticleFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def parse(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


@pytest.fixture
def interview():
    article = InterviewArticleFactory(
        published=True,
        headline="Rebels & IS agree to truce",
        dek="A truce in south Damascus.",
        section=SectionFactory(name="Syria"),
        tags=["Damascus"],
    )
    ExchangeFactory(article=article, question="Why now?", answer="Many reasons [then].")
    BylineFactory(
        article=article,
        contributor=ContributorFactory(name="Moutasem Jamal"),
        role=Byline.Role.INTERVIEWER,
        position=0,
    )
    return article


@pytest.mark.parametrize("url", ["/feeds/latest.rss", "/feeds/latest.atom"])
def test_latest_feeds_parse_with_authors_and_full_text(client, interview, url):
    _response, feed = parse(client, url)
    assert feed.version in ("rss20", "atom10")
    entry = feed.entries[0]
    assert entry.title == "Rebels & IS agree to truce"
    assert entry.link.endswith(f"/articles/{interview.slug}/")
    assert entry.author == "Moutasem Jamal"
    summary = entry.summary
    assert "A truce in south Damascus." in summary
    assert "First paragraph." in summary
    assert "Why now?" in summary
    assert "Many reasons [then]." in summary
    assert [t.term for t in entry.tags] == ["Damascus"]


def test_rss_content_type(client, interview):
    assert client.get("/feeds/latest.rss")["Content-Type"].startswith("application/rss+xml")
    assert client.get("/feeds/latest.atom")["Content-Type"].startswith("application/atom+xml")


def test_section_and_tag_feeds_list_their_own_stories(client, interview):
    other = ArticleFactory(published=True, headline="Elsewhere", section=SectionFactory())
    _, by_section = parse(client, "/feeds/sections/syria.rss")
    _, by_tag = parse(client, "/feeds/tags/damascus.atom")
    for feed in (by_section, by_tag):
        titles = [e.title for e in feed.entries]
        assert titles == [interview.headline]
        assert other.headline not in titles
    _, atom_section = parse(client, "/feeds/sections/syria.atom")
    _, rss_tag = parse(client, "/feeds/tags/damascus.rss")
    assert atom_section.entries
    assert rss_tag.entries


def test_feeds_list_published_stories_newest_first_and_nothing_else(client):
    older = ArticleFactory(published=True, published_at=timezone.now() - timedelta(days=2))
    newer = ArticleFactory(published=True)
    hidden = [
        ArticleFactory(status=status)
        for status in (Article.Status.DRAFT, Article.Status.APPROVED, Article.Status.EDITING)
    ] + [
        ArticleFactory(
            status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(hours=1)
        ),
        ArticleFactory(
            status=Article.Status.WITHDRAWN, published_at=timezone.now() - timedelta(hours=1)
        ),
    ]
    _, feed = parse(client, "/feeds/latest.rss")
    assert [e.title for e in feed.entries] == [newer.headline, older.headline]
    assert not {a.headline for a in hidden} & {e.title for e in feed.entries}


def test_hostile_text_is_escaped_in_feeds(client):
    ArticleFactory(published=True, headline="<script>alert(1)</script>", dek="<b>dek</b>")
    response, feed = parse(client, "/feeds/latest.rss")
    assert b"<script>" not in response.content
    assert feed.entries[0].title == "<script>alert(1)</script>"


FEEDS = [
    "/feeds/latest.rss",
    "/feeds/latest.atom",
    "/feeds/sections/syria.rss",
    "/feeds/sections/syria.atom",
    "/feeds/tags/damascus.rss",
    "/feeds/tags/damascus.atom",
]


def test_a_soft_line_break_stored_in_a_headline_does_not_break_any_feed(client):
    """A word processor's soft line break pastes as a vertical tab, which XML 1.0 forbids: one in
    a published headline (stored before text was cleaned on the way in) made every feed a 500."""
    article = ArticleFactory(
        published=True,
        headline="Rebels agree\vto truce",
        dek="A \x0cpage break, a \x1bescape and \ufffe",
        section=SectionFactory(name="Syria"),
        tags=["Damascus"],
    )
    BylineFactory(article=article, contributor=ContributorFactory(name="Hala\x08 Nasser"))
    for url in FEEDS:
        _, feed = parse(client, url)
        assert feed.entries[0].title == "Rebels agree\nto truce", url
        assert feed.entries[0].author == "Hala Nasser", url


def test_feeds_answer_conditional_requests(client, settings, editor):
    from articles.workflow import transition

    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    ArticleFactory(published=True)
    first = client.get("/feeds/latest.atom")
    assert first["ETag"]
    assert first["Last-Modified"]
    assert client.get("/feeds/latest.atom", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    newer = ArticleFactory(status=Article.Status.APPROVED, headline="A newer story")
    transition(newer, "publish", by=editor)
    fresh = client.get("/feeds/latest.atom", HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200
    assert b"A newer story" in fresh.content
