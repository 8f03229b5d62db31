"""An embargoed story as readers meet it: nowhere before its time (home, feeds, sitemaps, search,
its own pages), everywhere once the time has come, with the page cache following both ways."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from articles import changes
from articles.models import Article
from articles.previews import preview_path
from tests.factories import ArticleFactory, InterviewArticleFactory

pytestmark = pytest.mark.django_db

READER_PATHS = [
    "/",
    "/feeds/latest.rss",
    "/feeds/latest.atom",
    "/feeds/sections/world.rss",
    "/sitemap-articles.xml",
    "/search/?q=quarantined",
    # The wire, and the original-language edition.
    "/api/ninjs/",
    "/ar/",
    "/ar/feed.rss",
    "/ar/search/?q=القمح",
    "/sitemap-originals.xml",
]


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    cache.clear()


def embargoed_story(editor, *, hours: float = 2, factory=ArticleFactory, **kwargs) -> Article:
    article = factory(
        published=True,
        headline="Report on quarantined wheat",
        dek="The quarantined harvest.",
        original_language="ar",
        source_headline="تقرير عن القمح",
        source_body="نص",
        **kwargs,
    )
    until = timezone.now() + timedelta(hours=hours)
    return changes.set_embargo(article, until=until, note="Agency embargo.", by=editor)


def shows(client, path: str, article: Article) -> bool:
    html = client.get(path).content.decode()
    return article.headline in html or f"/articles/{article.slug}/" in html


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.parametrize("path", READER_PATHS)
def test_listings_feeds_sitemap_and_search_hold_the_story_back_until_its_time(client, editor, path):
    article = embargoed_story(editor)
    assert not shows(client, path, article)
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert shows(client, path, article)


@pytest.mark.usefixtures("no_page_cache")
def test_the_story_and_original_pages_answer_404_until_the_time_then_200(client, editor):
    article = embargoed_story(editor)
    story, original = article.get_absolute_url(), f"/articles/{article.slug}/original/"
    assert client.get(story).status_code == 404
    assert client.get(original).status_code == 404
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert client.get(story).status_code == 200
        assert client.get(original).status_code == 200


@pytest.mark.usefixtures("no_page_cache")
def test_an_embargoed_interview_page_answers_404(client, editor):
    article = embargoed_story(editor, factory=InterviewArticleFactory, exchange_count=1)
    assert client.get(article.get_absolute_url()).status_code == 404


@pytest.mark.usefixtures("no_page_cache")
def test_an_embargoed_withdrawn_story_answers_as_if_unknown(client, editor):
    article = embargoed_story(editor)
    Article.objects.filter(pk=article.pk).update(status=Article.Status.WITHDRAWN)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 404
    assert article.headline not in response.content.decode()


@pytest.mark.usefixtures("no_page_cache")
def test_the_note_is_never_shown_to_readers(client, editor):
    article = embargoed_story(editor, hours=1)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        html = client.get(article.get_absolute_url()).content.decode()
    assert article.headline in html
    assert "Agency embargo." not in html


def test_an_embargo_on_a_live_story_takes_it_off_cached_pages_at_once(client, editor, page_cache):
    article = ArticleFactory(published=True, headline="Live before the embargo")
    assert client.get(article.get_absolute_url()).status_code == 200
    assert article.headline in client.get("/").content.decode()
    changes.set_embargo(article, until=timezone.now() + timedelta(hours=1), by=editor)
    assert client.get(article.get_absolute_url()).status_code == 404
    assert article.headline not in client.get("/").content.decode()


def test_the_cached_pages_show_the_story_when_the_embargo_ends_without_any_save(
    client, editor, page_cache
):
    article = embargoed_story(editor, hours=1)
    assert client.get(article.get_absolute_url()).status_code == 404
    assert article.headline not in client.get("/").content.decode()
    # Nothing saves the story when its time comes (the scheduler may not have run): the site
    # version knows when the next embargo ends and renews itself then.
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert article.headline in client.get("/").content.decode()
        assert client.get(article.get_absolute_url()).status_code == 200


def test_lifting_the_embargo_shows_the_story_on_cached_pages_at_once(client, editor, page_cache):
    article = embargoed_story(editor, hours=5)
    assert article.headline not in client.get("/").content.decode()
    changes.lift_embargo(article, reason="The agency lifted it.", by=editor)
    assert article.headline in client.get("/").content.decode()
    assert client.get(article.get_absolute_url()).status_code == 200


@pytest.mark.usefixtures("no_page_cache")
def test_the_wire_holds_the_story_back_until_its_time(client, editor):
    article = embargoed_story(editor)
    item = f"/api/ninjs/{article.slug}.json"
    assert client.get(item).status_code == 404
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert client.get(item).json()["pubstatus"] == "usable"


@pytest.mark.usefixtures("no_page_cache")
def test_a_story_withdrawn_under_an_embargo_is_not_on_the_wire_even_as_canceled(client, editor):
    article = embargoed_story(editor)
    Article.objects.filter(pk=article.pk).update(
        status=Article.Status.WITHDRAWN, withdrawn_reason="Pulled."
    )
    assert client.get(f"/api/ninjs/{article.slug}.json").status_code == 404
    assert article.slug not in client.get("/api/ninjs/").content.decode()


def test_a_shared_preview_shows_nothing_of_an_embargoed_story_until_its_time(client, editor):
    article = embargoed_story(editor)
    path = preview_path(changes.create_preview_link(article, by=editor))
    response = client.get(path)
    assert response.status_code == 404
    assert article.headline not in response.content.decode()
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert article.headline in client.get(path).content.decode()
