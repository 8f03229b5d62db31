"""The public site as a whole: every page, listing, feed, sitemap and search shows published
stories only; fixed query counts; metadata; caching and conditional GET; error pages."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article, Byline
from interviews.models import Exchange
from public.caching import invalidate_public_pages
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    ContributorFactory,
    ImageFactory,
    InterviewArticleFactory,
    SectionFactory,
)
from tests.helpers import edit, queries_to_render

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]


NOW = timezone.now()
STATES = {
    "draft": dict(status=Article.Status.DRAFT),
    "editing": dict(status=Article.Status.EDITING),
    "translation_review": dict(status=Article.Status.TRANSLATION_REVIEW),
    "approved": dict(status=Article.Status.APPROVED),
    "scheduled-future": dict(status=Article.Status.SCHEDULED, published_at=NOW + timedelta(days=1)),
    "withdrawn": dict(status=Article.Status.WITHDRAWN, published_at=NOW - timedelta(hours=2)),
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
        expected = 410 if article.status == Article.Status.WITHDRAWN else 404
        assert client.get(article.get_absolute_url()).status_code == expected
        assert client.get(f"/articles/{article.slug}/original/").status_code == expected


# Query counts ----------------------------------------------------------------------------------


def populate(n: int, bylines: int, tags: int, exchanges: int, section, person) -> None:
    for _ in range(n):
        article = InterviewArticleFactory(
            published=True,
            section=section,
            byline_count=bylines,
            exchange_count=exchanges,
            tags=[f"tag{j}" for j in range(tags)] + ["common"],
            lead_image=ImageFactory(),
            dek="The zanzibarite question.",
        )
        BylineFactory(
            article=article, contributor=person, role=Byline.Role.PHOTOGRAPHER, position=bylines + 1
        )
        Exchange.objects.filter(article=article).update(question="Zanzibarite?")


PAGE_URLS = [
    "/",
    "/sections/common/",
    "/tags/common/",
    "/contributors/prolific/",
    f"/archive/{NOW.year}/{NOW.month:02d}/",
    "/search/?q=zanzibarite",
    "/feeds/latest.rss",
    "/feeds/latest.atom",
    "/feeds/sections/common.rss",
    "/feeds/tags/common.atom",
    "/sitemap.xml",
    "/sitemap-articles.xml",
    "/sitemap-sections.xml",
    "/robots.txt",
]


@pytest.mark.parametrize("url", PAGE_URLS)
def test_public_page_query_count_does_not_grow_with_content(client, url):
    section = SectionFactory(name="Common")
    person = ContributorFactory(name="Prolific")
    populate(3, bylines=1, tags=3, exchanges=5, section=section, person=person)
    baseline = queries_to_render(client, url)
    populate(3, bylines=10, tags=30, exchanges=50, section=section, person=person)
    assert queries_to_render(client, url) == baseline


def test_original_page_query_count_is_fixed(client):
    small = InterviewArticleFactory(
        published=True,
        byline_count=1,
        exchange_count=5,
        original_language="ar",
        source_headline="عنوان",
        source_body="فقرة",
    )
    large = InterviewArticleFactory(
        published=True,
        byline_count=10,
        exchange_count=50,
        original_language="ar",
        source_headline="عنوان",
        source_body="فقرة",
        tags=[f"t{n}" for n in range(30)],
    )
    assert queries_to_render(client, f"/articles/{small.slug}/original/") == queries_to_render(
        client, f"/articles/{large.slug}/original/"
    )


# Pages -----------------------------------------------------------------------------------------


def test_original_language_page_sets_lang_and_dir(client):
    article = InterviewArticleFactory(
        published=True,
        original_language="ar",
        source_headline="الثوار وتنظيم الدولة يتفقون على هدنة",
        source_dek="فصائل المعارضة",
        source_body="الفقرة الأولى.\n\nالفقرة [الثانية].",
    )
    Exchange.objects.create(
        article=article,
        position=0,
        question="Why?",
        answer="Because.",
        question_original="لماذا؟",
        answer_original="لأن.\n\nثانياً.",
    )
    html = client.get(f"/articles/{article.slug}/original/").content.decode()
    assert '<html lang="en">' in html
    assert 'lang="ar" dir="rtl"' in html
    assert "الثوار وتنظيم الدولة يتفقون على هدنة</h1>" in html
    assert "<p>الفقرة الأولى.</p>" in html
    assert '<ins class="insertion" title="Editorial insertion">[الثانية]</ins>' in html
    assert "لماذا؟" in html and "<p>ثانياً.</p>" in html
    # The English page links to it, marked with the language.
    english = client.get(article.get_absolute_url()).content.decode()
    assert f'href="/articles/{article.slug}/original/" hreflang="ar"' in english


def test_original_page_is_missing_for_untranslated_stories(client):
    article = ArticleFactory(published=True)
    assert client.get(f"/articles/{article.slug}/original/").status_code == 404


def test_contributor_page_shows_bio_photo_and_stories_by_role(client):
    person = ContributorFactory(
        name="Moutasem Jamal", bio="Reports from Damascus.", photo=ImageFactory(alt_text="Jamal")
    )
    interview = ArticleFactory(published=True, headline="An interview he did")
    translation = ArticleFactory(published=True, headline="A story he translated")
    BylineFactory(article=interview, contributor=person, role=Byline.Role.INTERVIEWER, position=0)
    BylineFactory(article=translation, contributor=person, role=Byline.Role.TRANSLATOR, position=0)
    html = client.get("/contributors/moutasem-jamal/").content.decode()
    assert "<h1>Moutasem Jamal</h1>" in html and "Reports from Damascus." in html
    assert 'alt="Jamal"' in html
    assert "As interviewer" in html and "As translator" in html
    assert html.index("An interview he did") < html.index("As translator")


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
    assert {k: v for k, v in hidden.items() if k != "Date"} == {
        k: v for k, v in unknown.items() if k != "Date"
    }


def test_archive_lists_the_month_and_refuses_impossible_months(client):
    in_month = ArticleFactory(published=True, published_at=datetime(2015, 10, 4, 12, tzinfo=UTC))
    other = ArticleFactory(published=True, published_at=datetime(2015, 11, 4, 12, tzinfo=UTC))
    html = client.get("/archive/2015/10/").content.decode()
    assert in_month.headline in html and other.headline not in html
    assert "October 2015" in html and 'href="/archive/2015/11/"' in html
    assert client.get("/archive/2015/13/").status_code == 404


def test_listings_are_paginated(client):
    section = SectionFactory(name="Paged")
    ArticleFactory.create_batch(25, published=True, section=section)
    first = client.get("/sections/paged/").content.decode()
    second = client.get("/sections/paged/?page=2").content.decode()
    assert first.count('class="card__headline"') == 20
    assert second.count('class="card__headline"') == 5
    assert 'rel="next" href="?page=2"' in first and 'rel="prev"' not in first
    assert 'rel="prev" href="?page=1"' in second and 'rel="next"' not in second
    assert "Page 2" in second
    ordered = list(Article.objects.latest())
    assert ordered[0].headline in first and ordered[-1].headline in second
    assert client.get("/sections/paged/?page=banana").status_code == 200
    assert client.get("/sections/paged/?page=-3").status_code == 200
    # Past the last page, and absurd offsets, are not pages.
    assert client.get("/sections/paged/?page=3").status_code == 404
    assert client.get("/sections/paged/?page=99999999").status_code == 404


def test_listing_pages_follow_each_other_without_gaps_or_repeats(client):
    tag_name = "paging"
    stories = ArticleFactory.create_batch(45, published=True, tags=[tag_name])
    Article.objects.filter(pk=stories[7].pk).update(published_at=stories[30].published_at)
    seen = []
    for number in (1, 2, 3):
        html = client.get(f"/tags/{tag_name}/?page={number}").content.decode()
        seen += [s.headline for s in stories if f">{s.headline}<" in html]
    assert sorted(seen) == sorted(s.headline for s in stories)


def test_archive_months_skip_months_without_stories(client, settings):
    settings.TIME_ZONE = "Asia/Damascus"
    # 23:30 UTC on 31 October is already November in Damascus.
    ArticleFactory(published=True, published_at=datetime(2015, 10, 31, 23, 30, tzinfo=UTC))
    ArticleFactory(published=True, published_at=datetime(2015, 7, 4, 12, tzinfo=UTC))
    ArticleFactory(published_at=datetime(2015, 9, 4, 12, tzinfo=UTC))  # a draft
    months = [(m.year, m.month) for m in Article.objects.published().months()]
    assert months == [(2015, 11), (2015, 7)]
    # The same as Django's DISTINCT over every story, on PostgreSQL's index walk too.
    published = Article.objects.published()
    assert published.months() == list(published.dates("published_at", "month", order="DESC"))
    assert Article.objects.filter(status=Article.Status.WITHDRAWN).months() == []
    assert Article.objects.none().months() == []


def test_unknown_section_tag_and_contributor_are_not_found(client):
    for url in ("/sections/none/", "/tags/none/", "/contributors/none/", "/feeds/tags/none.rss"):
        assert client.get(url).status_code == 404


def test_article_metadata_canonical_open_graph_and_json_ld(client, settings):
    settings.SITE_URL = "https://news.example"
    article = ArticleFactory(
        published=True,
        headline="Truce </script><script>alert(1)</script>",
        dek="A dek",
        lead_image=ImageFactory(),
        section=SectionFactory(name="Syria"),
        tags=["truce"],
    )
    BylineFactory(article=article, contributor=ContributorFactory(name="Moutasem Jamal"))
    html = client.get(article.get_absolute_url()).content.decode()
    url = f"https://news.example/articles/{article.slug}/"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert 'name="twitter:card" content="summary_large_image"' in html
    assert "<script>alert(1)</script>" not in html
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.headline
    assert data["author"][0]["name"] == "Moutasem Jamal"
    assert data["publisher"]["name"]
    assert data["datePublished"].startswith(str(article.published_at.year))
    assert data["image"][0].startswith("https://news.example/media/renditions/")


def test_robots_txt_names_the_sitemap(client, settings):
    settings.SITE_URL = "https://news.example"
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Disallow: /admin/" in text and "Sitemap: https://news.example/sitemap.xml" in text


def test_sitemap_has_google_news_tags_for_the_last_two_days_only(client, settings):
    settings.SITE_URL = "https://news.example"
    fresh = ArticleFactory(published=True, headline="Fresh story")
    old = ArticleFactory(published=True, published_at=NOW - timedelta(days=3), headline="Old one")
    xml = client.get("/sitemap-articles.xml").content.decode()
    assert 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' in xml
    assert f"<loc>https://news.example/articles/{fresh.slug}/</loc>" in xml
    assert f"<loc>https://news.example/articles/{old.slug}/</loc>" in xml
    assert "<news:title>Fresh story</news:title>" in xml
    assert "<news:title>Old one</news:title>" not in xml
    import xml.etree.ElementTree as ElementTree

    ElementTree.fromstring(xml.encode())


def test_error_pages_use_the_site_design(client):
    from newsroom.views import server_error

    html = server_error(None).content.decode()
    assert "Something went wrong on our side" in html and 'class="skip-link"' in html


def test_every_page_has_landmarks_one_h1_and_a_skip_link(client):
    article = InterviewArticleFactory(published=True, exchange_count=2, section=SectionFactory())
    for url in ("/", article.get_absolute_url(), "/search/?q=x", "/articles/missing/"):
        html = client.get(url).content.decode()
        assert html.count("<h1") == 1, url
        assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
        assert "<header" in html and "<footer" in html and '<html lang="en">' in html


def test_corrections_are_shown_dated_and_escaped(client):
    from articles.models import Correction

    article = ArticleFactory(published=True)
    Correction.objects.create(
        article=article,
        text="An earlier version misspelled <b>al-Qadam</b>.",
        created_at=datetime(2015, 10, 5, 9, tzinfo=UTC),
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Corrections</h2>" in html and "misspelled &lt;b&gt;al-Qadam&lt;/b&gt;." in html
    assert '<time datetime="2015-10-05T09:00:00+00:00">5 October 2015</time>' in html


def test_a_correction_invalidates_the_cached_page(client, settings, editor):
    from articles.changes import add_correction

    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    article = ArticleFactory(published=True)
    assert "Corrections</h2>" not in client.get(article.get_absolute_url()).content.decode()
    add_correction(article, "The date was wrong.", by=editor)
    assert "The date was wrong." in client.get(article.get_absolute_url()).content.decode()


def test_no_corrections_section_without_corrections(client):
    article = ArticleFactory(published=True)
    assert "Corrections</h2>" not in client.get(article.get_absolute_url()).content.decode()


# Caching and conditional GET -------------------------------------------------------------------


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    cache.clear()


def test_pages_carry_validators_and_answer_304(client, page_cache):
    article = ArticleFactory(published=True)
    first = client.get(article.get_absolute_url())
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    assert "must-revalidate" in first["Cache-Control"]
    again = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    since = client.get(article.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


def test_cached_pages_cost_no_queries_and_follow_edits(
    client, page_cache, django_assert_num_queries, editor
):
    article = ArticleFactory(published=True, headline="Before the edit")
    url = article.get_absolute_url()
    etag = client.get(url)["ETag"]
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200
    edit(article, by=editor, headline="After the edit")
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "After the edit" in response.content.decode()


def test_withdrawal_through_the_workflow_invalidates_the_cache(client, page_cache, editor):
    from articles.workflow import transition

    article = ArticleFactory(published=True)
    assert client.get(article.get_absolute_url()).status_code == 200
    assert "Headline" in client.get("/").content.decode()
    transition(article, "withdraw", by=editor, comment="Safety of a source.")
    response = client.get(article.get_absolute_url())
    assert response.status_code == 410 and "Safety of a source." in response.content.decode()
    assert article.headline not in client.get("/").content.decode()


def test_scheduled_story_appears_when_its_time_comes_despite_the_cache(client, page_cache):
    import time_machine

    story = ArticleFactory(
        status=Article.Status.SCHEDULED,
        published_at=NOW + timedelta(minutes=10),
        headline="Scheduled for later",
    )
    assert story.headline not in client.get("/").content.decode()
    with time_machine.travel(NOW + timedelta(minutes=11)):
        assert story.headline in client.get("/").content.decode()


def test_invalidate_public_pages_is_callable_from_other_code(client, page_cache):
    article = ArticleFactory(published=True, headline="Original words")
    client.get(article.get_absolute_url())
    Article.objects.filter(pk=article.pk).update(headline="Changed by update()")
    assert "Original words" in client.get(article.get_absolute_url()).content.decode()
    invalidate_public_pages()
    assert "Changed by update()" in client.get(article.get_absolute_url()).content.decode()


def test_unknown_query_parameters_share_the_cached_page(client, page_cache, monkeypatch):
    from public import caching

    article = ArticleFactory(published=True)
    client.get(article.get_absolute_url())
    stored = []
    real_set = caching.cache.set
    monkeypatch.setattr(
        caching.cache, "set", lambda key, *a, **k: stored.append(key) or real_set(key, *a, **k)
    )
    for n in range(5):
        assert client.get(f"{article.get_absolute_url()}?utm_source={n}").status_code == 200
    assert stored == []
    client.get("/search/?q=one")
    client.get("/search/?q=two")
    assert len(stored) == 2
