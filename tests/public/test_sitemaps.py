"""The sitemap index and its pages: every published story on exactly one page, no draft on any,
absolute URLs on SITE_URL, and deep pages that neither count nor read the long texts."""

import xml.etree.ElementTree as ElementTree
from collections import Counter
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from public.sitemaps import ArticleSitemap
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
SITE = "https://news.example"


@pytest.fixture
def small_pages(settings, monkeypatch):
    """Three stories a sitemap page, so that a few stories make several pages."""
    settings.SITE_URL = SITE
    monkeypatch.setattr(ArticleSitemap, "limit", 3)


@pytest.fixture
def archive():
    """Seven stories a reader sees, a day apart (the newest two in Google News' window), and one
    in every state a reader does not."""
    now = timezone.now()
    visible = [
        ArticleFactory(status=Article.Status.PUBLISHED, published_at=now - timedelta(days=n))
        for n in range(6)
    ]
    visible.append(
        ArticleFactory(status=Article.Status.SCHEDULED, published_at=now - timedelta(minutes=5))
    )
    hidden = [
        ArticleFactory(status=status)
        for status in (
            Article.Status.DRAFT,
            Article.Status.EDITING,
            Article.Status.TRANSLATION_REVIEW,
            Article.Status.APPROVED,
        )
    ]
    hidden += [
        ArticleFactory(status=Article.Status.SCHEDULED, published_at=now + timedelta(days=1)),
        ArticleFactory(status=Article.Status.WITHDRAWN, published_at=now - timedelta(hours=2)),
        ArticleFactory(
            status=Article.Status.SCHEDULED,
            published_at=now - timedelta(hours=1),
            translation_is_stale=True,
        ),
    ]
    return visible, hidden


def parse(response) -> ElementTree.Element:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    return ElementTree.fromstring(response.content)


def index_locations(client) -> list[str]:
    root = parse(client.get("/sitemap.xml"))
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    return [loc.text for loc in root.findall("sm:sitemap/sm:loc", NS)]


def page_locations(client, location: str) -> list[str]:
    root = parse(client.get(location.removeprefix(SITE)))
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    return [loc.text for loc in root.findall("sm:url/sm:loc", NS)]


@pytest.mark.usefixtures("no_page_cache", "small_pages")
def test_the_index_names_every_sitemap_page_on_site_url(client, archive):
    assert index_locations(client) == [
        f"{SITE}/sitemap-home.xml",
        f"{SITE}/sitemap-sections.xml",
        f"{SITE}/sitemap-articles.xml",
        f"{SITE}/sitemap-articles.xml?p=2",
        f"{SITE}/sitemap-articles.xml?p=3",
        f"{SITE}/sitemap-editions.xml",
        f"{SITE}/sitemap-originals.xml",
    ]


@pytest.mark.usefixtures("no_page_cache", "small_pages")
def test_every_published_story_is_on_exactly_one_sitemap_page_and_no_draft_on_any(client, archive):
    visible, hidden = archive
    seen = Counter(
        location
        for page in index_locations(client)
        if "sitemap-articles" in page
        for location in page_locations(client, page)
    )
    assert seen == Counter(f"{SITE}{article.get_absolute_url()}" for article in visible)
    for article in hidden:
        assert f"{SITE}{article.get_absolute_url()}" not in seen


@pytest.mark.usefixtures("no_page_cache", "small_pages")
def test_google_news_tags_mark_the_last_two_days_on_the_first_page(client, archive):
    _visible, _ = archive
    first = client.get("/sitemap-articles.xml").content.decode()
    # The scheduled story of five minutes ago, and those of today and yesterday.
    assert first.count("<news:news>") == 3
    assert "<news:news>" not in client.get("/sitemap-articles.xml?p=2").content.decode()


@pytest.mark.usefixtures("no_page_cache", "small_pages")
def test_pages_past_the_last_and_unknown_sitemaps_are_not_found(client, archive):
    for url in (
        "/sitemap-articles.xml?p=4",
        "/sitemap-articles.xml?p=0",
        "/sitemap-articles.xml?p=two",
        "/sitemap-articles.xml?p=99999999999999999999",
        "/sitemap-drafts.xml",
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.usefixtures("no_page_cache", "small_pages")
def test_a_deep_sitemap_page_is_one_query_without_a_count_or_the_long_texts(client, archive):
    ArticleFactory.create_batch(30, published=True)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/sitemap-articles.xml?p=10").status_code == 200
    # The page's stories, picked by id through a subquery: one statement.
    assert len(captured) == 1
    sql = captured[0]["sql"]
    assert "COUNT(" not in sql.upper()
    for field in Article.LONG_TEXT_FIELDS:
        assert f'"{field}"' not in sql, field


@pytest.mark.usefixtures("small_pages")
def test_each_page_of_the_story_sitemap_is_cached_apart(client, settings, archive):
    """The page cache keys pages by the query parameters in public.caching.PAGE_PARAMETERS;
    without "p" among them, ?p=2 would be served the cached ?p=1."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    cache.clear()
    first = client.get("/sitemap-articles.xml?p=1")
    second = client.get("/sitemap-articles.xml?p=2")
    assert first.status_code == second.status_code == 200
    assert first.content != second.content
    assert client.get("/sitemap-articles.xml?p=2").content == second.content


@pytest.mark.usefixtures("small_pages")
def test_a_crawler_revisiting_an_unchanged_sitemap_page_gets_a_304(client, settings, archive):
    """Pages are dated by the site version, which the cache's conditional GET compares with, not
    by their newest story (here three days old, so If-Modified-Since that date would not match)."""
    Article.objects.update(updated_at=timezone.now() - timedelta(days=3))
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    cache.clear()
    response = client.get("/sitemap-articles.xml?p=2")
    assert response["Last-Modified"] == client.get("/")["Last-Modified"]
    revisit = client.get(
        "/sitemap-articles.xml?p=2", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]
    )
    assert revisit.status_code == 304


@pytest.mark.usefixtures("no_page_cache")
def test_a_soft_line_break_stored_in_a_headline_leaves_the_sitemap_well_formed(client):
    """A vertical tab (a word processor's soft line break) in a headline written before text was
    cleaned on the way in made the Google News title, and so the whole page, malformed XML."""
    ArticleFactory(published=True, headline="Rebels agree\vto truce \uffff<&>")
    root = parse(client.get("/sitemap-articles.xml"))
    news = "{http://www.google.com/schemas/sitemap-news/0.9}"
    title = root.find(f"sm:url/{news}news/{news}title", NS)
    assert title.text == "Rebels agree to truce <&>"
