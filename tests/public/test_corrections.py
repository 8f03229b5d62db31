"""Corrections as readers meet them: on the original-language page (in that language when a
translator has written it, else in English marked as English), "Corrected <date>" near the top of
every story page, in the feeds (the item's updated time and text), and /corrections/ with its
feeds."""

import re
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.core.cache import cache
from django.utils import timezone

from articles import changes
from articles.models import Article, Correction
from tests.factories import ArticleFactory, InterviewArticleFactory
from tests.helpers import queries_to_render

pytestmark = pytest.mark.django_db

ARABIC = "ذكرت نسخة سابقة من هذا التقرير اسم المدرسة بشكل خاطئ."
ENGLISH = "An earlier version of this story misnamed the school."
DECEMBER_3 = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quoted"'


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def translated_story(factory=ArticleFactory, **fields) -> Article:
    defaults = {
        "published": True,
        "original_language": "ar",
        "source_headline": "مدرسة تعيد فتح أبوابها في الرقة",
        "source_body": "فقرة أولى.\n\nفقرة ثانية.",
    }
    return factory(**{**defaults, **fields})


def correct(article, by, text=ENGLISH, at=None, source_text=None) -> Correction:
    correction = changes.add_correction(article, text, by=by)
    if source_text is not None:
        changes.translate_correction(correction, text=source_text, by=by)
    if at is not None:
        Correction.objects.filter(pk=correction.pk).update(created_at=at)
        correction.refresh_from_db()
    return correction


def original_url(article) -> str:
    return f"/articles/{article.slug}/original/"


# The original-language page ----------------------------------------------------------------


def test_the_original_page_shows_the_correction_in_the_original_language(client, editor):
    article = translated_story()
    correction = correct(article, editor, source_text=ARABIC)
    html = client.get(original_url(article)).content.decode()
    assert f'<li id="correction-{correction.pk}">' in html
    assert f'<span class="correction__text" lang="ar" dir="rtl">{ARABIC}</span>' in html
    assert ENGLISH not in html


def test_without_the_original_text_the_english_is_shown_marked_as_english(client, editor):
    article = translated_story()
    correct(article, editor)
    html = client.get(original_url(article)).content.decode()
    assert f'<span class="correction__text" lang="en" dir="ltr">{ENGLISH}</span>' in html


def test_a_left_to_right_original_is_marked_so(client, editor):
    article = translated_story(original_language="fr", source_headline="Une école rouvre")
    correct(article, editor, source_text="Une version antérieure se trompait d'école.")
    html = client.get(original_url(article)).content.decode()
    assert '<span class="correction__text" lang="fr" dir="ltr">Une version' in html


def test_the_original_page_has_no_corrections_block_without_corrections(client):
    html = client.get(original_url(translated_story())).content.decode()
    assert 'id="corrections"' not in html
    assert "Corrected" not in html


def test_hostile_correction_text_is_escaped_on_every_page(client, editor):
    article = translated_story()
    correct(article, editor, text=f"English {HOSTILE}", source_text=f"عربي {HOSTILE}")
    second = translated_story()
    correct(second, editor, text=f"Untranslated {HOSTILE}")
    urls = [
        article.get_absolute_url(),
        original_url(article),
        original_url(second),
        "/corrections/",
        "/corrections/feed.rss",
        "/corrections/feed.atom",
        "/feeds/latest.rss",
        "/feeds/latest.atom",
    ]
    for url in urls:
        body = client.get(url).content.decode()
        assert "<script>alert" not in body, url
        assert "<img src=x" not in body, url
        assert "&lt;script&gt;" in body or "&amp;lt;script&amp;gt;" in body, url


# "Corrected <date>" near the top ------------------------------------------------------------


def near_the_top(html: str, body_marker: str) -> str:
    """The page up to its story's text: where "near the top" is."""
    start = html.index('<main id="main"')
    return html[start : html.index(body_marker, start)]


@pytest.mark.parametrize(
    "page", ["article", "interview", "original"], ids=["article", "interview", "original"]
)
def test_a_corrected_story_says_so_near_the_top_with_its_latest_correction(client, editor, page):
    factory = InterviewArticleFactory if page == "interview" else ArticleFactory
    article = translated_story(factory)
    correct(article, editor, text="The first.", at=DECEMBER_3 - timedelta(days=20))
    correct(article, editor, text="The latest.", at=DECEMBER_3)
    url = original_url(article) if page == "original" else article.get_absolute_url()
    html = client.get(url).content.decode()
    marker = 'class="story__body' if page != "original" else '<article class="story'
    top = near_the_top(html, marker)
    # The original's page is part of its language's edition, and says it in that language.
    corrected, december, november = (
        ("صُحِّحت في", "3 ديسمبر 2026", "13 نوفمبر 2026")
        if page == "original"
        else ("Corrected", "3 December 2026", "13 November 2026")
    )
    assert (
        f'<a class="corrected" href="#corrections">{corrected} '
        f'<time datetime="2026-12-03T09:30:00+00:00">{december}</time></a>'
    ) in top
    assert f"{november}</time></a>" not in top
    # The link leads to the corrections block at the bottom.
    assert '<section class="corrections" id="corrections"' in html
    assert html.index('id="corrections"') > html.index(marker)


def test_an_uncorrected_story_says_nothing_of_it(client):
    html = client.get(ArticleFactory(published=True).get_absolute_url()).content.decode()
    assert "Corrected" not in html


def test_each_correction_has_an_address_on_the_story_page(client, editor):
    article = ArticleFactory(published=True)
    correction = correct(article, editor)
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'<li id="correction-{correction.pk}">' in html


# The page cache forgets ---------------------------------------------------------------------


def test_the_page_cache_forgets_on_a_correction_and_on_its_translation(client, settings, editor):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    article = translated_story()
    urls = [article.get_absolute_url(), original_url(article), "/corrections/"]
    for url in urls:
        assert ENGLISH not in client.get(url).content.decode()
    correction = correct(article, editor)
    for url in urls:
        assert ENGLISH in client.get(url).content.decode(), url
    assert ARABIC not in client.get(original_url(article)).content.decode()
    changes.translate_correction(correction, text=ARABIC, by=editor)
    assert ARABIC in client.get(original_url(article)).content.decode()
    assert ENGLISH not in client.get(original_url(article)).content.decode()


def test_the_corrections_feed_forgets_too(client, settings, editor):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    article = ArticleFactory(published=True)
    assert ENGLISH not in client.get("/corrections/feed.atom").content.decode()
    correct(article, editor)
    assert ENGLISH in client.get("/corrections/feed.atom").content.decode()


# The stories' feeds -------------------------------------------------------------------------


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_the_atom_feed_dates_a_corrected_story_by_its_latest_correction(client, editor):
    article = ArticleFactory(published=True, headline="A corrected story")
    later = timezone.now() + timedelta(days=2)
    later = later.replace(microsecond=0)
    correct(article, editor, text="Earlier.", at=later - timedelta(days=1))
    correct(article, editor, text=ENGLISH, at=later)
    feed = parse(client, "/feeds/latest.atom")
    (entry,) = [e for e in feed.entries if e.title == "A corrected story"]
    assert datetime(*entry.updated_parsed[:6], tzinfo=UTC) == later.astimezone(UTC)
    assert ENGLISH in entry.summary
    assert "Earlier." in entry.summary
    # The feed's own updated time follows.
    assert datetime(*feed.feed.updated_parsed[:6], tzinfo=UTC) == later.astimezone(UTC)


def test_an_uncorrected_story_keeps_its_own_updated_time(client):
    article = ArticleFactory(published=True, headline="Never corrected")
    feed = parse(client, "/feeds/latest.atom")
    (entry,) = [e for e in feed.entries if e.title == "Never corrected"]
    updated = Article.objects.get(pk=article.pk).updated_at.replace(microsecond=0)
    assert datetime(*entry.updated_parsed[:6], tzinfo=UTC) == updated.astimezone(UTC)
    assert "Corrections" not in entry.summary


def test_the_rss_item_carries_the_dated_correction_in_its_text(client, editor):
    article = ArticleFactory(published=True, headline="A corrected story")
    correct(article, editor, at=DECEMBER_3)
    feed = parse(client, "/feeds/latest.rss")
    (item,) = [e for e in feed.entries if e.title == "A corrected story"]
    assert "Corrections" in item.description
    assert f"3 December 2026</time>: {ENGLISH}" in item.description


def test_the_story_feeds_cost_no_query_per_correction(client, editor, no_page_cache):
    for _ in range(2):
        correct(ArticleFactory(published=True), editor)
    baseline = queries_to_render(client, "/feeds/latest.atom")
    for _ in range(4):
        article = ArticleFactory(published=True)
        for _ in range(3):
            correct(article, editor)
    assert queries_to_render(client, "/feeds/latest.atom") == baseline


# /corrections/ ------------------------------------------------------------------------------


def headlines_in(html: str) -> list[str]:
    return re.findall(r'<h2 class="correction-list__headline"><a href="[^"]*">([^<]*)</a>', html)


def test_the_corrections_page_lists_newest_first_linked_dated(client, editor):
    old = ArticleFactory(published=True, headline="Old story")
    new = ArticleFactory(published=True, headline="New story")
    first = correct(new, editor, text="Corrected first.", at=DECEMBER_3 - timedelta(days=3))
    correct(old, editor, text="Corrected last.", at=DECEMBER_3)
    html = client.get("/corrections/").content.decode()
    assert headlines_in(html) == ["Old story", "New story"]
    assert html.index("Corrected last.") < html.index("Corrected first.")
    assert f'<a href="{new.get_absolute_url()}#correction-{first.pk}">New story</a>' in html
    assert 'Corrected <time datetime="2026-12-03T09:30:00+00:00">3 December 2026</time>' in html
    assert '<html lang="en">' in html
    assert html.count("<h1") == 1


def test_only_the_corrections_of_stories_readers_can_read(client, editor):
    readable = ArticleFactory(published=True, headline="Readable")
    withdrawn = ArticleFactory(published=True, headline="Withdrawn story")
    coming = ArticleFactory(published=True, headline="Scheduled again")
    correct(readable, editor, text="Shown.")
    correct(withdrawn, editor, text="Hidden with its story.")
    correct(coming, editor, text="Hidden until it is back.")
    Article.objects.filter(pk=withdrawn.pk).update(
        status=Article.Status.WITHDRAWN, withdrawn_reason="Legal"
    )
    Article.objects.filter(pk=coming.pk).update(
        status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(days=1)
    )
    html = client.get("/corrections/").content.decode()
    assert headlines_in(html) == ["Readable"]
    for url in ("/corrections/feed.rss", "/corrections/feed.atom"):
        body = client.get(url).content.decode()
        assert "Shown." in body
        assert "Hidden" not in body


def test_the_corrections_page_without_corrections(client):
    response = client.get("/corrections/")
    assert response.status_code == 200
    assert "No corrections yet." in response.content.decode()


def test_the_corrections_page_is_paginated_twenty_at_a_time(client, editor):
    article = ArticleFactory(published=True)
    for n in range(25):
        correct(article, editor, text=f"Correction number {n}.", at=DECEMBER_3 + timedelta(hours=n))
    first = client.get("/corrections/").content.decode()
    assert first.count('class="correction-list__item"') == 20
    assert "Correction number 24." in first
    assert "Correction number 5." in first
    assert "Correction number 4." not in first
    assert 'rel="next" href="?page=2"' in first
    second = client.get("/corrections/?page=2").content.decode()
    assert second.count('class="correction-list__item"') == 5
    assert "Correction number 4." in second
    assert "Correction number 0." in second
    assert 'rel="prev" href="?page=1"' in second
    assert 'rel="next"' not in second
    assert client.get("/corrections/?page=3").status_code == 404


@pytest.mark.parametrize("url", ["/corrections/", "/corrections/?page=2", "/corrections/feed.rss"])
def test_the_corrections_page_costs_a_fixed_number_of_queries(client, editor, no_page_cache, url):
    def add(stories: int, each: int) -> None:
        for _ in range(stories):
            article = ArticleFactory(published=True, byline_count=3, tags=["a", "b"])
            for _ in range(each):
                correct(article, editor)

    add(11, 2)
    baseline = queries_to_render(client, url)
    add(10, 4)
    assert queries_to_render(client, url) == baseline
    assert baseline <= 3  # the page (and the story it links to, joined), its window


def test_the_corrections_feeds(client, editor):
    article = ArticleFactory(published=True, headline="A school reopens")
    correction = correct(article, editor, at=DECEMBER_3)
    later = correct(article, editor, text="A second correction.", at=DECEMBER_3 + timedelta(1))
    atom = parse(client, "/corrections/feed.atom")
    assert atom.feed.title.endswith(": corrections")
    assert [e.summary for e in atom.entries] == [
        "<p>A second correction.</p>",
        f"<p>{ENGLISH}</p>",
    ]
    entry = atom.entries[1]
    assert entry.title == "Correction: A school reopens"
    assert entry.link.endswith(f"{article.get_absolute_url()}#correction-{correction.pk}")
    assert datetime(*entry.updated_parsed[:6], tzinfo=UTC) == DECEMBER_3
    assert atom.entries[0].id != entry.id
    rss = parse(client, "/corrections/feed.rss")
    assert len(rss.entries) == 2
    assert rss.entries[0].link.endswith(f"#correction-{later.pk}")
    assert datetime(*rss.entries[1].published_parsed[:6], tzinfo=UTC) == DECEMBER_3


def test_the_corrections_page_names_its_feeds_and_the_footer_names_it(client):
    html = client.get("/corrections/").content.decode()
    assert 'type="application/rss+xml" title="Newsroom: corrections (RSS)"' in html or (
        'href="/corrections/feed.rss"' in html
    )
    assert 'href="/corrections/feed.atom"' in html
    home = client.get("/").content.decode()
    assert '<a href="/corrections/">Corrections</a>' in home


def test_the_sitemap_lists_the_corrections_page(client):
    body = client.get("/sitemap-home.xml").content.decode()
    assert "/corrections/</loc>" in body


def test_a_correction_is_the_pages_modified_time_for_search_engines_and_social_cards(
    client, editor
):
    article = translated_story()
    Article.objects.filter(pk=article.pk).update(updated_at=DECEMBER_3 - timedelta(days=20))
    correct(article, editor, text="The latest.", at=DECEMBER_3)
    html = client.get(article.get_absolute_url()).content.decode()
    json_ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert json_ld is not None
    assert '"dateModified": "2026-12-03T09:30:00+00:00"' in json_ld.group(1)
    assert '<meta property="article:modified_time" content="2026-12-03T09:30:00+00:00">' in html
