"""The original-language edition (/ar/): its home, section pages, search and feed offer the
published stories' original texts, in that language from <html lang dir> down, and a translated
story's two pages name each other as hreflang alternates, as the sitemaps do."""

import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from tests.factories import (
    ArticleFactory,
    ContributorFactory,
    ExchangeFactory,
    InterviewArticleFactory,
    SectionFactory,
)
from tests.helpers import queries_to_render

pytestmark = pytest.mark.django_db

SITE = "https://news.example"
MARCH_5 = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def arabic_story(**fields) -> Article:
    values = {
        "published": True,
        "original_language": "ar",
        "source_headline": "المخابز تفتح أبوابها في دوما",
        "source_dek": "عادت الأفران إلى العمل بعد شهور من الحصار.",
        "source_body": "فتحت المخابز أبوابها صباح اليوم.\n\nوقال خباز إن الطحين وصل أخيراً.",
    }
    return ArticleFactory(**(values | fields))


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE
    cache.clear()


@pytest.fixture
def edition(site):
    """Two Arabic originals in two sections, and stories the edition must not offer."""
    health = SectionFactory(name="Health", slug="health")
    economy = SectionFactory(name="Economy", slug="economy")
    return {
        "bakeries": arabic_story(
            headline="Bakeries reopen in Douma", section=economy, published_at=MARCH_5
        ),
        "clinic": arabic_story(
            headline="A clinic in Idlib",
            source_headline="عيادة في إدلب",
            source_dek="الأطباء يعملون بلا كهرباء.",
            source_body="يعمل الأطباء في العيادة على ضوء الشموع.",
            section=health,
        ),
        "draft": arabic_story(
            status=Article.Status.DRAFT,
            published_at=None,
            headline="An unpublished story",
            source_headline="قصة لم تنشر بعد",
            source_body="نص سري عن الشموع.",
            section=health,
        ),
        "untranslated": ArticleFactory(published=True, headline="Written in English"),
        "no_text": arabic_story(
            headline="Translated, but no original text kept",
            source_headline="",
            source_dek="",
            source_body="",
        ),
        "turkish": ArticleFactory(
            published=True,
            headline="From Turkish",
            original_language="tr",
            source_headline="Türkçe başlık",
            source_body="Metin.",
            published_at=MARCH_5,
        ),
    }


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# The home page --------------------------------------------------------------------------------


def test_home_offers_the_published_arabic_originals_only(client, edition):
    html = page(client, "/ar/")
    for name in ("bakeries", "clinic"):
        story = edition[name]
        assert story.source_headline in html
        assert story.source_dek in html
        assert f'href="/articles/{story.slug}/original/"' in html
    assert "قصة لم تنشر بعد" not in html  # the draft
    assert "Türkçe" not in html
    assert edition["no_text"].slug not in html
    assert edition["untranslated"].slug not in html
    # Newest first: the clinic (an hour ago) before the bakeries (last March).
    assert html.index("عيادة في إدلب") < html.index("المخابز تفتح")


def test_the_whole_edition_page_is_arabic_and_right_to_left(client, edition):
    html = page(client, "/ar/")
    assert '<html lang="ar" dir="rtl">' in html
    # Navigation and furniture in Arabic.
    for words in ("الرئيسية", "الأحدث", "بحث", "اقرأ بالإنكليزية", "انتقل إلى المحتوى الرئيسي"):
        assert words in html
    assert 'aria-label="الأقسام"' in html
    # The sections with Arabic stories, in English and so marked, linking inside the edition.
    assert '<a href="/ar/sections/health/" lang="en">Health</a>' in html
    assert '<a href="/ar/sections/economy/" lang="en">Economy</a>' in html
    # Dates with Arabic month names (Django's translations).
    assert "5 مارس 2025" in html
    assert "March" not in html
    assert client.get("/ar/")["Content-Language"] == "ar"
    # The edition's feeds are the ones announced, in its language.
    assert 'type="application/rss+xml" hreflang="ar"' in html
    assert 'href="/ar/feed.rss"' in html


def test_other_pages_stay_english(client, edition):
    html = page(client, "/")
    assert '<html lang="en">' in html
    assert "مارس" not in html
    story = page(client, edition["bakeries"].get_absolute_url())
    assert '<html lang="en">' in story
    assert "5 March 2025" in story


def test_an_edition_page_is_paged_and_says_so_in_arabic(client, edition, monkeypatch):
    from public import edition_views

    monkeypatch.setattr(edition_views, "PAGE_SIZE", 1)
    first = page(client, "/ar/")
    assert "الأقدم ←" in first
    assert "الصفحة 1" in first
    second = page(client, "/ar/?page=2")
    assert "→ الأحدث" in second
    assert "الصفحة 2" in second
    assert client.get("/ar/?page=3").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/fa/",  # an original language with no story
        "/fa/feed.rss",
        "/fa/search/?q=x",
        "/fa/sections/health/",
        "/xx/",  # not an original language: no edition, whatever is published
        "/en/",
        "/ar/sections/nowhere/",  # no such section
        "/ar/sections/culture/",  # a section with no Arabic story
    ],
)
def test_no_edition_is_not_found(client, edition, url):
    SectionFactory(name="Culture", slug="culture")
    assert client.get(url).status_code == 404


def test_an_edition_of_drafts_only_is_not_found(client, site):
    arabic_story(status=Article.Status.DRAFT, published_at=None)
    arabic_story(status=Article.Status.WITHDRAWN)
    for url in ("/ar/", "/ar/feed.rss", "/ar/feed.atom", "/ar/search/"):
        assert client.get(url).status_code == 404, url


def test_a_turkish_edition_falls_back_to_english_words_marked_so(client, edition):
    html = page(client, "/tr/")
    assert '<html lang="tr" dir="ltr">' in html
    assert "Türkçe başlık" in html
    assert '<nav class="site-nav" aria-label="Sections" lang="en">' in html
    assert "Read in English" in html
    # Dates in Turkish all the same: Django has its month names.
    assert "5 Mart 2025" in html


def test_edition_urls_take_no_other_address(client, edition):
    """Only the codes of ORIGINAL_LANGUAGES are editions: the rest of the site is untouched."""
    assert client.get("/admin/").status_code == 302  # to the sign-in page
    assert client.get("/api/")["Content-Type"] == "application/json"  # the wire API's index
    assert client.get("/sections/health/").status_code == 200
    assert client.get("/articles/").status_code == 404


# Section pages --------------------------------------------------------------------------------


def test_section_page_lists_its_arabic_stories(client, edition):
    html = page(client, "/ar/sections/health/")
    assert '<html lang="ar" dir="rtl">' in html
    assert "عيادة في إدلب" in html
    assert "المخابز" not in html  # economy
    assert "قصة لم تنشر بعد" not in html  # the draft, in health too
    assert '<a href="/ar/sections/health/" lang="en" aria-current="page">Health</a>' in html


# Search ---------------------------------------------------------------------------------------


def test_search_finds_stories_by_their_original_text(client, edition):
    html = page(client, "/ar/search/?q=الشموع")
    assert "عيادة في إدلب" in html
    assert f'href="/articles/{edition["clinic"].slug}/original/"' in html
    assert "<mark>الشموع</mark>" in html
    assert "قصة لم تنشر بعد" not in html  # the draft's text matches too
    assert "عدد النتائج: 1" in html
    assert '<html lang="ar" dir="rtl">' in html


def test_search_reads_the_original_text_only(client, edition):
    # "Douma" is in the English headline; the Arabic edition searches the Arabic.
    html = page(client, "/ar/search/?q=Douma")
    assert "المخابز تفتح" not in html
    assert "لا نتائج تطابق «Douma»." in html
    # And another language's originals are not the Arabic edition's.
    assert "Türkçe" not in page(client, "/ar/search/?q=Metin")


def test_empty_search_shows_the_form(client, edition):
    html = page(client, "/ar/search/")
    assert 'action="/ar/search/"' in html
    assert "ابحث في النصوص الأصلية" in html


# The feed -------------------------------------------------------------------------------------


def test_rss_feed_is_in_arabic(client, edition):
    response = client.get("/ar/feed.rss")
    assert response.status_code == 200
    channel = ElementTree.fromstring(response.content).find("channel")
    assert channel.findtext("language") == "ar"
    assert channel.findtext("link") == f"{SITE}/ar/"
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == [
        "عيادة في إدلب",
        "المخابز تفتح أبوابها في دوما",
    ]
    assert items[0].findtext("link") == f"{SITE}/articles/{edition['clinic'].slug}/original/"
    assert "ضوء الشموع" in items[0].findtext("description")
    assert "قصة لم تنشر بعد" not in response.content.decode()


def test_atom_feed_is_in_arabic(client, edition):
    response = client.get("/ar/feed.atom")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ar"
    titles = [
        e.findtext("{http://www.w3.org/2005/Atom}title")
        for e in root.iter("{http://www.w3.org/2005/Atom}entry")
    ]
    assert titles == ["عيادة في إدلب", "المخابز تفتح أبوابها في دوما"]


def test_feed_carries_an_interviews_original_exchanges(client, site):
    interview = InterviewArticleFactory(
        published=True,
        original_language="ar",
        source_headline="حوار مع طبيبة",
        source_body="مقدمة.",
        exchange_count=0,
    )
    ExchangeFactory(
        article=interview, question_original="لماذا بقيت؟", answer_original="لأن الناس هنا."
    )
    text = client.get("/ar/feed.rss").content.decode()
    assert "لماذا بقيت؟" in text
    assert "لأن الناس هنا." in text


# The original story page ------------------------------------------------------------------------


def test_original_page_is_a_page_of_the_edition(client, edition):
    story = edition["bakeries"]
    html = page(client, f"/articles/{story.slug}/original/")
    assert '<html lang="ar" dir="rtl">' in html
    assert 'href="/ar/sections/economy/"' in html
    # "Read in English" leads to the story's own English page.
    assert f'<a href="{story.get_absolute_url()}" hreflang="en">اقرأ بالإنكليزية</a>' in html
    # The note names the English story and its date, in Arabic.
    assert "النص الأصلي لقصة نُشرت بالإنكليزية في" in html
    assert '<time datetime="2025-03-05T09:00:00+00:00">5 مارس 2025</time>' in html
    assert (
        '<a href="/articles/'
        + story.slug
        + '/" hreflang="en" lang="en" dir="ltr">Bakeries reopen in Douma</a>'
        in html
    )


# hreflang -------------------------------------------------------------------------------------


def alternates(html: str) -> set[str]:
    import re

    return set(re.findall(r'<link rel="alternate" hreflang="[^"]+" href="[^"]+">', html))


def test_story_and_original_name_each_other_with_absolute_urls(client, edition):
    story = edition["bakeries"]
    english = f"{SITE}/articles/{story.slug}/"
    original = f"{SITE}/articles/{story.slug}/original/"
    expected = {
        f'<link rel="alternate" hreflang="en" href="{english}">',
        f'<link rel="alternate" hreflang="ar" href="{original}">',
        f'<link rel="alternate" hreflang="x-default" href="{english}">',
    }
    assert alternates(page(client, f"/articles/{story.slug}/")) == expected
    assert alternates(page(client, f"/articles/{story.slug}/original/")) == expected


def test_a_story_without_an_original_names_no_alternate(client, edition):
    assert alternates(page(client, edition["untranslated"].get_absolute_url())) == set()
    assert alternates(page(client, edition["no_text"].get_absolute_url())) == set()


# Sitemaps -------------------------------------------------------------------------------------


def sitemap_urls(client, url: str) -> dict[str, set[tuple[str, str]]]:
    response = client.get(url)
    assert response.status_code == 200, url
    root = ElementTree.fromstring(response.content)
    return {
        entry.findtext(f"{SM}loc"): {
            (link.get("hreflang"), link.get("href")) for link in entry.iter(f"{XHTML}link")
        }
        for entry in root.iter(f"{SM}url")
    }


def test_story_sitemap_names_the_originals_as_alternates(client, edition):
    story = edition["bakeries"]
    english = f"{SITE}/articles/{story.slug}/"
    original = f"{SITE}/articles/{story.slug}/original/"
    both = {("en", english), ("ar", original), ("x-default", english)}
    stories = sitemap_urls(client, "/sitemap-articles.xml")
    assert stories[english] == both
    assert stories[f"{SITE}{edition['untranslated'].get_absolute_url()}"] == set()
    assert stories[f"{SITE}{edition['no_text'].get_absolute_url()}"] == set()
    originals = sitemap_urls(client, "/sitemap-originals.xml")
    assert originals[original] == both
    assert set(originals) == {
        f"{SITE}/articles/{edition[name].slug}/original/"
        for name in ("bakeries", "clinic", "turkish")
    }


def test_edition_sitemap_lists_the_edition_pages(client, edition):
    assert set(sitemap_urls(client, "/sitemap-editions.xml")) == {
        f"{SITE}/ar/",
        f"{SITE}/ar/sections/economy/",
        f"{SITE}/ar/sections/health/",
        f"{SITE}/tr/",
        f"{SITE}/tr/sections/world/",
    }
    index = client.get("/sitemap.xml").content.decode()
    assert f"{SITE}/sitemap-editions.xml" in index
    assert f"{SITE}/sitemap-originals.xml" in index


# The page cache and query counts -----------------------------------------------------------------

EDITION_URLS = [
    "/ar/",
    "/ar/sections/health/",
    "/ar/search/?q=الشموع",
    "/ar/feed.rss",
    "/ar/feed.atom",
]


@pytest.mark.parametrize("url", EDITION_URLS)
def test_edition_pages_go_through_the_page_cache(client, edition, url):
    first = client.get(url)
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again.content == first.content
    assert len(queries) == 0
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


# Queries each page takes, without the page cache: what they are, whatever the archive holds.
EXPECTED_QUERIES = {
    # The edition's sections, then a page of its stories.
    "/ar/": 2,
    "/ar/sections/health/": 2,
    # The sections, the count of matches, the page of them with their snippets (SQLite: the
    # page's ranked ids, then its stories by id, then their snippets: two more queries).
    "/ar/search/?q=الشموع": 3,
    # Is there an edition? Then its stories, their bylines, tags, exchanges and corrections.
    "/ar/feed.rss": 6,
    "/ar/feed.atom": 6,
    # The story with its section and interview, its bylines, tags, exchanges and corrections;
    # the edition's sections.
    "ORIGINAL": 6,
}


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.parametrize("url", EXPECTED_QUERIES)
def test_edition_query_counts_are_fixed(client, edition, url):
    name = url
    if url == "ORIGINAL":
        url = f"/articles/{edition['clinic'].slug}/original/"
    baseline = queries_to_render(client, url)
    health = edition["clinic"].section
    for n in range(5):
        story = arabic_story(
            headline=f"More {n}", source_body=f"الشموع {n}", section=health, tags=[f"t{n}", "x"]
        )
        for position in range(3):
            story.bylines.create(contributor=ContributorFactory(), position=position + 1)
    arabic_story(headline="In a new section", section=SectionFactory(name="Culture"))
    assert queries_to_render(client, url) == baseline
    sqlite_steps = 2 if "search" in url and connection.vendor == "sqlite" else 0
    assert baseline == EXPECTED_QUERIES[name] + sqlite_steps
