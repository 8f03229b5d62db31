"""The public page cache: the readers' fast path, its keys, what it stores, and a cache server
that stops answering."""

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.urls import path
from django.utils import timezone

from articles.models import Article
from public import caching
from public.caching import (
    VERSION_KEY,
    _new_version,
    current_version,
    invalidate_public_pages,
    lookup,
    public_page,
)
from tests.factories import ArticleFactory, SectionFactory
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


def without_date(response) -> dict[str, str]:
    """The headers, less those that name the current time (the edge cache's ends with the
    second the page was served in)."""
    return {
        name: value for name, value in response.items() if name not in ("Date", "X-Accel-Expires")
    }


def test_a_cached_page_reaches_a_reader_without_the_session_middleware(client, story):
    url = story.get_absolute_url()
    rendered = client.get(url)
    with mock.patch.object(SessionMiddleware, "process_request", side_effect=AssertionError):
        cached = client.get(url)
    assert cached.status_code == 200
    assert cached.content == rendered.content
    # Security, CSP and framing headers are added on the fast path as on the full one.
    assert without_date(cached) == without_date(rendered)
    assert cached["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in cached


def test_the_fast_path_answers_a_repeat_visit_with_304(client, story):
    url = story.get_absolute_url()
    etag = client.get(url)["ETag"]
    with mock.patch.object(SessionMiddleware, "process_request", side_effect=AssertionError):
        repeat = client.get(url, headers={"If-None-Match": etag})
    assert repeat.status_code == 304
    assert repeat.content == b""


def test_requests_with_a_session_take_the_full_path_and_get_the_same_page(editor_client, story):
    url = story.get_absolute_url()
    reader = editor_client.__class__()
    first = reader.get(url)
    assert settings.SESSION_COOKIE_NAME in editor_client.cookies
    with (
        mock.patch.object(
            SessionMiddleware, "process_request", autospec=True, side_effect=AssertionError
        ) as session,
        pytest.raises(AssertionError),
    ):
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
    with mock.patch("public.caching._new_version", wraps=_new_version) as version:
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
    with mock.patch("public.caching.current_version", wraps=current_version) as version:
        response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    assert "ETag" in response
    assert version.call_count == 0
    assert (
        client.get(
            story.get_absolute_url(), headers={"If-None-Match": response["ETag"]}
        ).status_code
        == 304
    )


# Keys: host, encoded values, parameters that make no entry ----------------------------------


@pytest.fixture
def stored_pages(monkeypatch) -> list[str]:
    """The keys of the pages stored in the cache from now on (the site version left out)."""
    cache.clear()
    stored: list[str] = []
    real_set = caching.cache.set

    def recording_set(key, *args, **kwargs):
        if key != VERSION_KEY:
            stored.append(key)
        return real_set(key, *args, **kwargs)

    monkeypatch.setattr(caching.cache, "set", recording_set)
    return stored


def test_the_fast_path_refuses_a_host_the_site_does_not_serve(client, story):
    url = story.get_absolute_url()
    assert client.get(url).status_code == 200  # now cached
    assert client.get(url, HTTP_HOST="attacker.example").status_code == 400
    assert client.get(url, HTTP_HOST="attacker.example", HTTP_IF_NONE_MATCH="*").status_code == 400


def test_a_page_cached_for_one_host_is_not_served_for_another(client, settings, story):
    # A feed names the host it was fetched on in its own <link>.
    settings.ALLOWED_HOSTS = ["news.example.org", "mirror.example.org"]
    first = client.get("/feeds/latest.rss", HTTP_HOST="news.example.org")
    assert b"<link>http://news.example.org/</link>" in first.content
    second = client.get("/feeds/latest.rss", HTTP_HOST="mirror.example.org")
    assert b"<link>http://mirror.example.org/</link>" in second.content
    # Host names compare without regard to case: one entry for both spellings.
    again = client.get("/feeds/latest.rss", HTTP_HOST="News.Example.ORG")
    assert again.content == first.content


def test_an_encoded_ampersand_is_a_different_page_from_two_parameters(client, story):
    one_query = client.get("/search/?q=truce%26page%3D2")
    assert 'value="truce&amp;page=2"' in one_query.content.decode()
    two_parameters = client.get("/search/?q=truce&page=2")
    assert 'value="truce"' in two_parameters.content.decode()


def test_unknown_parameters_make_no_cache_entry_of_their_own(client, story, stored_pages):
    url = story.get_absolute_url()
    for n in range(10):
        response = client.get(f"{url}?utm_source=mail{n}&_={n}&fbclid=x{n}")
        assert response.status_code == 200
        assert b"Bakeries reopen in Douma" in response.content
    client.get(url)
    assert len(stored_pages) == 1


def test_page_numbers_not_written_as_the_site_writes_them_are_served_but_not_stored(
    client, story, stored_pages
):
    section = ArticleFactory(published=True, section=SectionFactory()).section
    url = f"/sections/{section.slug}/"
    for junk in ("01", "x", "1.0", "%201", "١"):  # the last: an Arabic-Indic one
        assert client.get(f"{url}?page={junk}").status_code == 200, junk
    assert stored_pages == []
    client.get(f"{url}?page=1")
    client.get(f"{url}?page=1")
    assert len(stored_pages) == 1


def test_a_parameter_given_twice_is_keyed_by_the_value_the_view_reads(client, story, stored_pages):
    repeated = client.get("/search/?q=siege&q=Douma")
    assert 'value="Douma"' in repeated.content.decode()
    assert client.get("/search/?q=Douma").content == repeated.content
    assert 'value="siege"' in client.get("/search/?q=siege").content.decode()
    assert len(stored_pages) == 2


def test_head_and_get_share_the_page_and_a_head_stores_the_whole_body(client, story):
    url = story.get_absolute_url()
    head = client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    get = client.get(url)
    assert b"Bakeries reopen in Douma" in get.content
    assert get["ETag"] == head["ETag"]
    assert int(head["Content-Length"]) == len(get.content)
    assert client.head(url)["Content-Length"] == str(len(get.content))


PUBLIC_PAGES = ("/", "/search/?q=Douma", "/feeds/latest.rss", "/sitemap.xml", "/robots.txt")


@pytest.mark.parametrize("with_session", [False, True], ids=["reader", "editor"])
def test_public_pages_vary_on_nothing_the_key_leaves_out(client, editor, story, with_session):
    # The key holds scheme, host, path and a few parameters. A page that varied on a header as
    # well (Cookie, Accept-Language) would be served to readers it was not made for.
    if with_session:
        client.force_login(editor)
    for url in (story.get_absolute_url(), *PUBLIC_PAGES):
        for _ in range(2):  # rendered, then from the cache
            response = client.get(url)
            assert response.status_code == 200, url
            assert not response.has_header("Vary"), (url, response["Vary"])


calls: list[str] = []


@public_page
def _page_reading_the_session(request):
    calls.append("session")
    return HttpResponse(f"Signed in: {request.user.is_authenticated}")


@public_page
def _page_with_a_form(request):
    calls.append("form")
    return HttpResponse(f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">')


@public_page
def _page_in_the_readers_language(request):
    calls.append("language")
    response = HttpResponse("Bonjour" if "fr" in request.headers.get("Accept-Language", "") else "")
    response["Vary"] = "Accept-Language"
    return response


@public_page
def _page_setting_a_cookie(request):
    calls.append("cookie")
    response = HttpResponse("Welcome")
    response.set_cookie("seen", "1")
    return response


@public_page
def _private_page(request):
    calls.append("private")
    response = HttpResponse("Yours only")
    response["Cache-Control"] = "private"
    return response


urlpatterns = [
    path("session/", _page_reading_the_session),
    path("form/", _page_with_a_form),
    path("language/", _page_in_the_readers_language),
    path("cookie/", _page_setting_a_cookie),
    path("private/", _private_page),
]


@pytest.mark.urls("tests.public.test_caching")
@pytest.mark.parametrize("url", ["/session/", "/form/", "/language/", "/cookie/", "/private/"])
@pytest.mark.parametrize("cache_url", ["redis", "dummy"])
def test_a_page_that_depends_on_more_than_its_address_is_never_left_to_the_edge_cache(
    client, settings, url, cache_url
):
    if cache_url == "dummy":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    cache.clear()
    for _ in range(2):  # rendered, then (were it stored) from the page cache
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200
        assert not response.has_header("X-Accel-Expires")


@pytest.mark.urls("tests.public.test_caching")
@pytest.mark.parametrize("url", ["/session/", "/form/", "/language/", "/cookie/", "/private/"])
def test_a_page_that_depends_on_more_than_its_address_is_never_stored(client, url):
    cache.clear()
    calls.clear()
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert len(calls) == 2, "the second request was answered from the cache"
    if url == "/language/":
        assert second.content == b""


# Caching and conditional GET -------------------------------------------------------------------


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    cache.clear()


def test_pages_carry_validators_and_answer_304(client, page_cache):
    article = ArticleFactory(published=True)
    first = client.get(article.get_absolute_url())
    assert first.status_code == 200
    assert first["ETag"]
    assert first["Last-Modified"]
    assert "must-revalidate" in first["Cache-Control"]
    again = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
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
    assert response.status_code == 200
    assert "After the edit" in response.content.decode()


def test_withdrawal_through_the_workflow_invalidates_the_cache(client, page_cache, editor):
    from articles.workflow import transition

    article = ArticleFactory(published=True)
    assert client.get(article.get_absolute_url()).status_code == 200
    assert "Headline" in client.get("/").content.decode()
    transition(article, "withdraw", by=editor, comment="Safety of a source.")
    response = client.get(article.get_absolute_url())
    assert response.status_code == 410
    assert "Safety of a source." in response.content.decode()
    assert article.headline not in client.get("/").content.decode()


def test_scheduled_story_appears_when_its_time_comes_despite_the_cache(client, page_cache):
    import time_machine

    now = timezone.now()  # when the test runs, not when the module was imported
    story = ArticleFactory(
        status=Article.Status.SCHEDULED,
        published_at=now + timedelta(minutes=10),
        headline="Scheduled for later",
    )
    assert story.headline not in client.get("/").content.decode()
    with time_machine.travel(now + timedelta(minutes=11)):
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


# The edge cache (nginx in front of the app servers) --------------------------------------------


@pytest.mark.parametrize("cache_url", ["redis", "dummy"])
def test_a_public_page_may_be_kept_by_the_edge_cache_until_the_end_of_the_second(
    client, story, settings, cache_url
):
    if cache_url == "dummy":  # every page rendered: the edge cache keeps them all the same
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    cache.clear()
    with mock.patch.object(caching.time, "time", return_value=1_800_000_000.75):
        rendered = client.get(story.get_absolute_url())
        cached = client.get(story.get_absolute_url())
    # The second it was served in: the edge serves it no later than 1_800_000_000.999.
    assert rendered["X-Accel-Expires"] == cached["X-Accel-Expires"] == "@1800000000"
    # Browsers are not told to keep it: they ask again every time.
    assert "max-age=0" in rendered["Cache-Control"]


def test_the_edge_cache_may_keep_a_page_as_many_seconds_as_set(client, story, settings):
    settings.EDGE_CACHE_SECONDS = 5
    with mock.patch.object(caching.time, "time", return_value=1_800_000_000.2):
        response = client.get(story.get_absolute_url())
    assert response["X-Accel-Expires"] == "@1800000004"
    settings.EDGE_CACHE_SECONDS = 0
    assert not client.get(story.get_absolute_url()).has_header("X-Accel-Expires")


def test_the_edge_cache_keeps_no_desk_page_and_no_health_check(editor_client):
    reader = editor_client.__class__()
    assert not editor_client.get("/admin/").has_header("X-Accel-Expires")
    assert not reader.get("/admin/login/").has_header("X-Accel-Expires")
    assert not reader.get("/healthz").has_header("X-Accel-Expires")


def test_a_story_that_is_gone_is_gone_at_the_edge_within_the_second(editor_client, story, editor):
    # The edge keeps the 410 (or 404) in place of its copy of the page: a copy it kept, out of
    # date, would be given to readers while another reader's request asks the app again.
    from articles import workflow

    workflow.transition(story, "withdraw", by=editor, comment="Withdrawn.")
    client = editor_client.__class__()  # a reader, without a session
    with mock.patch.object(caching.time, "time", return_value=1_800_000_000.5):
        gone = client.get(story.get_absolute_url())
        missing = client.get("/articles/no-such-story/")
        staff = editor_client.get(story.get_absolute_url())
    assert gone.status_code == 410
    assert gone["X-Accel-Expires"] == "@1800000000"
    assert missing.status_code == 404
    assert missing["X-Accel-Expires"] == "@1800000000"
    # Staff go past the edge; what they are answered is not for it.
    assert staff.status_code == 410
    assert not staff.has_header("X-Accel-Expires")
