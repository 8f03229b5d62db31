"""The public page cache: the readers' fast path, and a cache server that stops answering."""

from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import cache
from django.test import RequestFactory

from articles.caching import _new_version, current_version, lookup
from articles.models import Article
from tests.factories import ArticleFactory
from tests.helpers import edit

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: every connection is refused at once.
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def story():
    return ArticleFactory(published=True, headline="Bakeries reopen in Douma")


def without_date(response) -> dict[str, str]:
    return {name: value for name, value in response.items() if name != "Date"}


def test_a_cached_page_reaches_a_reader_without_the_session_middleware(client, story):
    url = story.get_absolute_url()
    rendered = client.get(url)
    with mock.patch.object(SessionMiddleware, "process_request", side_effect=AssertionError):
        cached = client.get(url)
    assert cached.status_code == 200 and cached.content == rendered.content
    # Security, CSP and framing headers are added on the fast path as on the full one.
    assert without_date(cached) == without_date(rendered)
    assert cached["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in cached


def test_the_fast_path_answers_a_repeat_visit_with_304(client, story):
    url = story.get_absolute_url()
    etag = client.get(url)["ETag"]
    with mock.patch.object(SessionMiddleware, "process_request", side_effect=AssertionError):
        repeat = client.get(url, headers={"If-None-Match": etag})
    assert repeat.status_code == 304 and repeat.content == b""


def test_requests_with_a_session_take_the_full_path_and_get_the_same_page(editor_client, story):
    url = story.get_absolute_url()
    reader = editor_client.__class__()
    first = reader.get(url)
    assert settings.SESSION_COOKIE_NAME in editor_client.cookies
    with mock.patch.object(
        SessionMiddleware, "process_request", autospec=True, side_effect=AssertionError
    ) as session:
        with pytest.raises(AssertionError):
            editor_client.get(url)
    assert session.called
    assert editor_client.get(url).content == first.content


def test_a_changed_story_is_not_served_from_the_fast_path(client, story, editor):
    url = story.get_absolute_url()
    client.get(url)
    edit(story, by=editor, headline="Bakeries reopen in Douma and Harasta")
    assert "Harasta" in client.get(url).content.decode()


def test_pages_are_rendered_while_the_cache_server_is_down(client, settings, story, caplog):
    settings.CACHES = UNREACHABLE_REDIS
    for url in (story.get_absolute_url(), "/", "/feeds/latest.rss", "/search/?q=Douma"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "ETag" in response
    assert "Public page cache unreachable" in caplog.text


def test_a_story_is_saved_while_the_cache_server_is_down(settings, story, caplog, editor):
    settings.CACHES = UNREACHABLE_REDIS
    edit(story, by=editor, headline="Saved while the cache was down")
    assert Article.objects.get(pk=story.pk).headline == "Saved while the cache was down"
    assert "Could not invalidate the public page cache" in caplog.text


def test_healthz_names_the_cache_when_it_is_down(client, settings):
    settings.CACHES = UNREACHABLE_REDIS
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "unavailable"}
    assert "Traceback" not in response.content.decode()


def test_the_site_version_is_read_from_the_database_once_then_from_the_cache(client, story):
    cache.clear()
    with mock.patch("articles.caching._new_version", wraps=_new_version) as version:
        assert client.get(story.get_absolute_url()).status_code == 200
        assert client.get("/").status_code == 200
    assert version.call_count == 1


def test_the_fast_path_never_reads_the_database(story, django_assert_num_queries):
    # Nothing cached yet: the fast path asks the cache only and steps aside for the view.
    cache.clear()
    request = RequestFactory().get(story.get_absolute_url())
    with django_assert_num_queries(0):
        assert lookup(request, from_cache_only=True) == (None, None)
    assert not hasattr(request, "_public_page_lookup")


def test_with_no_cache_pages_are_rendered_without_looking_up_a_version(client, settings, story):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with mock.patch("articles.caching.current_version", wraps=current_version) as version:
        response = client.get(story.get_absolute_url())
    assert response.status_code == 200 and "ETag" in response
    assert version.call_count == 0
    assert (
        client.get(
            story.get_absolute_url(), headers={"If-None-Match": response["ETag"]}
        ).status_code
        == 304
    )
