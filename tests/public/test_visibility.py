"""Readers see published stories only: every listing, feed, sitemap and search, and every name
(contributor, tag) used only on stories readers cannot see, answers as if it never existed."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory, BylineFactory, ContributorFactory, SectionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]


NOW = timezone.now()
STATES = {
    "draft": {"status": Article.Status.DRAFT},
    "editing": {"status": Article.Status.EDITING},
    "translation_review": {"status": Article.Status.TRANSLATION_REVIEW},
    "approved": {"status": Article.Status.APPROVED},
    "scheduled-future": {
        "status": Article.Status.SCHEDULED,
        "published_at": NOW + timedelta(days=1),
    },
    "withdrawn": {"status": Article.Status.WITHDRAWN, "published_at": NOW - timedelta(hours=2)},
    # Under an embargo still to run, whatever the state says (articles/changes/embargoes.py).
    "published-embargoed": {
        "status": Article.Status.PUBLISHED,
        "published_at": NOW - timedelta(hours=2),
        "embargo_until": NOW + timedelta(days=1),
    },
    "scheduled-due-embargoed": {
        "status": Article.Status.SCHEDULED,
        "published_at": NOW - timedelta(minutes=5),
        "embargo_until": NOW + timedelta(hours=1),
    },
    "withdrawn-embargoed": {
        "status": Article.Status.WITHDRAWN,
        "published_at": NOW - timedelta(hours=2),
        "embargo_until": NOW + timedelta(hours=1),
    },
}


@pytest.fixture
def every_state():
    """One visible and one hidden story in each state, all sharing section, tag, contributor and a
    search word, so that every listing would show them if it leaked."""
    section = SectionFactory(name="Syria")
    person = ContributorFactory(name="Hala Nasser")

    def make(headline: str, **kwargs) -> Article:
        article = ArticleFactory(
            headline=headline,
            section=section,
            tags=["aleppo"],
            dek="About zanzibarite.",
            **kwargs,
        )
        BylineFactory(article=article, contributor=person, position=0)
        return article

    visible = [
        make(
            "Visible published story",
            status=Article.Status.PUBLISHED,
            published_at=NOW - timedelta(hours=1),
        ),
        make(
            "Visible due scheduled story",
            status=Article.Status.SCHEDULED,
            published_at=NOW - timedelta(minutes=5),
        ),
    ]
    hidden = [make(f"Hidden {name} story", **fields) for name, fields in STATES.items()]
    return visible, hidden


LISTINGS = [
    "/",
    "/sections/syria/",
    "/tags/aleppo/",
    "/contributors/hala-nasser/",
    f"/archive/{NOW.year}/{NOW.month:02d}/",
    "/search/?q=zanzibarite",
    "/feeds/latest.rss",
    "/feeds/latest.atom",
    "/feeds/sections/syria.rss",
    "/feeds/tags/aleppo.atom",
    "/sitemap-articles.xml",
]


@pytest.mark.parametrize("url", LISTINGS)
def test_listings_feeds_sitemap_and_search_show_published_stories_only(client, every_state, url):
    visible, hidden = every_state
    if "archive" in url:
        # Stories made at the turn of a month may fall in the one before; ask for each month.
        for article in visible:
            month = timezone.localtime(article.published_at)
            html = client.get(f"/archive/{month.year}/{month.month:02d}/").content.decode()
            assert article.headline in html
        html = client.get(url).content.decode()
    else:
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        for article in visible:
            assert article.headline in html or article.slug in html, (url, article.headline)
    for article in hidden:
        assert article.headline not in html, (url, article.headline)
        assert f"/articles/{article.slug}/" not in html, (url, article.slug)


def test_every_hidden_state_is_missing_from_story_and_original_pages(client, every_state):
    _, hidden = every_state
    for article in hidden:
        Article.objects.filter(pk=article.pk).update(
            original_language="ar", source_headline="عنوان", source_body="نص"
        )
        # An embargoed story says nothing before its time, not even that it was withdrawn.
        withdrawn = article.status == Article.Status.WITHDRAWN and not article.embargo_until
        expected = 410 if withdrawn else 404
        assert client.get(article.get_absolute_url()).status_code == expected
        assert client.get(f"/articles/{article.slug}/original/").status_code == expected


# Names used only on stories readers cannot see ------------------------------------------------


def name_urls(person_slug: str, tag_slug: str) -> list[str]:
    return [
        f"/contributors/{person_slug}/",
        f"/tags/{tag_slug}/",
        f"/feeds/tags/{tag_slug}.rss",
        f"/feeds/tags/{tag_slug}.atom",
    ]


def every_sitemap(client) -> str:
    """The sitemap index and every page it names, as one text."""
    index = client.get("/sitemap.xml").content.decode()
    pages = re.findall(r"<loc>https?://[^/<]+(/[^<]*)</loc>", index)
    return index + "".join(
        client.get(page.replace("&amp;", "&")).content.decode() for page in pages
    )


def test_a_name_on_a_draft_only_is_not_found_until_published_and_again_once_withdrawn(
    client, editor, settings
):
    """A contributor's address is their name: a page, a feed or a sitemap entry for someone
    credited only on a draft would confirm to anyone guessing that they work with the newsroom."""
    from articles.workflow import transition

    settings.PUBLIC_PAGE_CACHE_SECONDS = 600  # each move must reach the cached pages too
    cache.clear()
    person = ContributorFactory(name="Hala Nasser")
    article = ArticleFactory(headline="Talks in secret", tags=["Secret talks"])
    BylineFactory(article=article, contributor=person, position=0)
    urls = name_urls("hala-nasser", "secret-talks")

    def answers() -> list[int]:
        return [client.get(url).status_code for url in urls]

    def named_in_sitemaps_or_search() -> bool:
        found = every_sitemap(client) + client.get("/search/?q=Nasser").content.decode()
        return "hala-nasser" in found or "secret-talks" in found or "Talks in secret" in found

    assert answers() == [404, 404, 404, 404]
    assert not named_in_sitemaps_or_search()
    for step in ("submit", "approve"):
        transition(article, step, by=editor)
        assert answers() == [404, 404, 404, 404], step
    transition(article, "publish", by=editor)
    assert answers() == [200, 200, 200, 200]
    transition(article, "withdraw", by=editor, comment="Safety of a source.")
    assert answers() == [404, 404, 404, 404]
    assert not named_in_sitemaps_or_search()


def test_a_name_on_a_story_scheduled_for_later_is_not_found_before_its_time(client):
    person = ContributorFactory(name="Hala Nasser")
    later = ArticleFactory(
        status=Article.Status.SCHEDULED, published_at=NOW + timedelta(hours=1), tags=["Truce"]
    )
    BylineFactory(article=later, contributor=person, position=0)
    for url in name_urls("hala-nasser", "truce"):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("url", name_urls("{person}", "{tag}"))
def test_a_name_on_a_draft_only_answers_byte_for_byte_as_a_name_that_never_existed(client, url):
    person = ContributorFactory(name="Hala Nasser")
    draft = ArticleFactory(tags=["Secret talks"])
    BylineFactory(article=draft, contributor=person, position=0)
    hidden = client.get(url.format(person=person.slug, tag="secret-talks"))
    unknown = client.get(url.format(person="nobody-at-all", tag="no-such-tag"))
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.content == unknown.content
    assert hidden.templates[0].name == unknown.templates[0].name == "404.html"
    # The date, and the second the edge cache may keep the page until, name the moment only.
    moment = {"Date", "X-Accel-Expires"}
    assert {k: v for k, v in hidden.items() if k not in moment} == {
        k: v for k, v in unknown.items() if k not in moment
    }
    assert ("X-Accel-Expires" in hidden) == ("X-Accel-Expires" in unknown)
