"""The public site's pages: the original-language page, contributors, archives and pagination,
metadata, robots.txt, the news sitemap, error pages, landmarks and corrections."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from articles.models import Article, Byline
from interviews.models import Exchange
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    ContributorFactory,
    ImageFactory,
    InterviewArticleFactory,
    SectionFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]


NOW = timezone.now()


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
    # The whole page is Arabic, right to left (the Arabic edition's: tests/public/test_edition.py).
    assert '<html lang="ar" dir="rtl">' in html
    assert 'lang="ar" dir="rtl"' in html
    assert "الثوار وتنظيم الدولة يتفقون على هدنة</h1>" in html
    assert "<p>الفقرة الأولى.</p>" in html
    assert '<ins class="insertion" title="Editorial insertion">[الثانية]</ins>' in html
    assert "لماذا؟" in html
    assert "<p>ثانياً.</p>" in html
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
    assert "<h1>Moutasem Jamal</h1>" in html
    assert "Reports from Damascus." in html
    assert 'alt="Jamal"' in html
    assert "As interviewer" in html
    assert "As translator" in html
    assert html.index("An interview he did") < html.index("As translator")


def test_archive_lists_the_month_and_refuses_impossible_months(client):
    in_month = ArticleFactory(published=True, published_at=datetime(2015, 10, 4, 12, tzinfo=UTC))
    other = ArticleFactory(published=True, published_at=datetime(2015, 11, 4, 12, tzinfo=UTC))
    html = client.get("/archive/2015/10/").content.decode()
    assert in_month.headline in html
    assert other.headline not in html
    assert "October 2015" in html
    assert 'href="/archive/2015/11/"' in html
    assert client.get("/archive/2015/13/").status_code == 404


def test_listings_are_paginated(client):
    section = SectionFactory(name="Paged")
    ArticleFactory.create_batch(25, published=True, section=section)
    first = client.get("/sections/paged/").content.decode()
    second = client.get("/sections/paged/?page=2").content.decode()
    assert first.count('class="card__headline"') == 20
    assert second.count('class="card__headline"') == 5
    assert 'rel="next" href="?page=2"' in first
    assert 'rel="prev"' not in first
    assert 'rel="prev" href="?page=1"' in second
    assert 'rel="next"' not in second
    assert "Page 2" in second
    ordered = list(Article.objects.newest_first())
    assert ordered[0].headline in first
    assert ordered[-1].headline in second
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
    assert "Disallow: /admin/" in text
    assert "Sitemap: https://news.example/sitemap.xml" in text


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
    assert "Something went wrong on our side" in html
    assert 'class="skip-link"' in html


def test_every_page_has_landmarks_one_h1_and_a_skip_link(client):
    article = InterviewArticleFactory(published=True, exchange_count=2, section=SectionFactory())
    for url in ("/", article.get_absolute_url(), "/search/?q=x", "/articles/missing/"):
        html = client.get(url).content.decode()
        assert html.count("<h1") == 1, url
        assert '<a class="skip-link" href="#main">' in html
        assert '<main id="main"' in html
        assert "<header" in html
        assert "<footer" in html
        assert '<html lang="en">' in html


def test_corrections_are_shown_dated_and_escaped(client):
    from articles.models import Correction

    article = ArticleFactory(published=True)
    Correction.objects.create(
        article=article,
        text="An earlier version misspelled <b>al-Qadam</b>.",
        created_at=datetime(2015, 10, 5, 9, tzinfo=UTC),
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Corrections</h2>" in html
    assert "misspelled &lt;b&gt;al-Qadam&lt;/b&gt;." in html
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
