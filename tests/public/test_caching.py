"""The public page cache: the readers' fast path, its keys, what it stores, and a cache server
that stops answering."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import cache, caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.urls import path
from django.utils import timezone

from articles.models import Article
from articles.workflow import transition
from public import caching
from public.caching import (
    VERSION_KEY,
    SiteVersion,
    _new_version,
    current_version,
    lookup,
    public_page,
)
from tests.factories import ArticleFactory, SectionFactory
from tests.helpers import edit
from tests.newsroom.test_outage import GUNICORN, REPO, _child_env, _get, _wait_for

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
    assert response.status_code == 200 and "ETag" in response
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
        assert response.status_code == 200 and b"Bakeries reopen in Douma" in response.content
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
    assert head.status_code == 200 and head.content == b""  # the server leaves the body out
    get = client.get(url)
    assert b"Bakeries reopen in Douma" in get.content
    assert get["ETag"] == head["ETag"] and int(head["Content-Length"]) == len(get.content)
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


@pytest.mark.urls("tests.articles.test_caching")
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


# Every cache a deployment may choose: invalidation, scheduled stories, time kept -----------


@pytest.fixture(params=["locmem", "database", "redis"])
def page_cache_in(request, settings) -> str:
    """The page cache on each backend CACHE_URL can name (Redis: a server of the test's own)."""
    if request.param == "database":
        # The table migration 0008 made in the test database, as in production.
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": settings.CACHE_TABLE,
            }
        }
    elif request.param == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": request.getfixturevalue("private_redis"),
            }
        }
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    cache.clear()
    return request.param


def test_a_withdrawal_forgets_the_version_every_process_reads(page_cache_in, client, editor):
    story = ArticleFactory(published=True, headline="Bakeries reopen in Douma")
    url = story.get_absolute_url()
    assert client.get(url).status_code == 200
    # What another worker or app server has: a connection of its own to the same cache.
    elsewhere = caches.create_connection("default")
    assert isinstance(elsewhere.get(VERSION_KEY), SiteVersion)
    transition(story, "withdraw", by=editor, comment="A source was endangered.")
    assert elsewhere.get(VERSION_KEY) is None
    response = client.get(url)
    assert response.status_code == 410 and b"A source was endangered." in response.content


def test_a_scheduled_story_goes_live_at_its_time_though_the_pages_are_still_cached(
    page_cache_in, client
):
    import time_machine

    now = timezone.now()
    story = ArticleFactory(
        status=Article.Status.SCHEDULED,
        published_at=now + timedelta(minutes=2),
        headline="Scheduled for later",
    )
    assert story.headline not in client.get("/").content.decode()
    version = cache.get(VERSION_KEY)
    assert version.next_live_at == story.published_at.timestamp()
    # Well within the ten minutes the home page is kept: only the version's renewal shows it.
    with time_machine.travel(now + timedelta(minutes=3)):
        assert story.headline in client.get("/").content.decode()
        renewed = caches.create_connection("default").get(VERSION_KEY)
    assert renewed.key != version.key and renewed.next_live_at is None


def test_pages_are_kept_public_page_cache_seconds_and_the_version_until_a_change(
    page_cache_in, client, story, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 120
    # Patched on the backend in use (the fixture's), and put back before the fixture ends.
    with mock.patch.object(caching.cache, "set", wraps=caching.cache.set) as stored:
        client.get(story.get_absolute_url())
    timeouts = {call.args[0]: call.args[2] for call in stored.call_args_list}
    assert timeouts.pop(VERSION_KEY) is None
    assert list(timeouts.values()) == [120]


def test_with_public_page_cache_seconds_0_nothing_is_cached_or_looked_up(
    client, settings, story, editor
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    with mock.patch("public.caching.current_version", wraps=current_version) as version:
        first = client.get(story.get_absolute_url())
        edit(story, by=editor, headline="Bakeries reopen in Douma and Harasta")
        second = client.get(story.get_absolute_url())
    assert version.call_count == 0
    assert b"Harasta" in second.content and first["ETag"] != second["ETag"]
    repeat = client.get(story.get_absolute_url(), headers={"If-None-Match": second["ETag"]})
    assert repeat.status_code == 304


# Several processes: gunicorn workers sharing the cache that settings choose -------------------

ARTICLE = "/articles/rebels-is-agree-to-truce-in-south-damascus/"
WORKERS = 3
ACCESS_LINE = re.compile(r'^<(\d+)> "GET (\S+) HTTP/[\d.]+" (\d{3})$', re.MULTILINE)


class Site:
    """gunicorn serving the demo site with production settings, and what its log says."""

    def __init__(self, url: str, env: dict[str, str], log: Path):
        self.url, self.env, self.log = url, env, log

    def answers(self, since: int = 0) -> list[tuple[int, str, int]]:
        """(worker pid, path, status) of each request answered, from log offset `since`."""
        text = self.log.read_text()[since:]
        return [(int(pid), path, int(status)) for pid, path, status in ACCESS_LINE.findall(text)]

    def workers(self) -> set[int]:
        return {
            int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", self.log.read_text())
        }

    def manage(self, *args: str, timeout: float = 180) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO, env=self.env, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def fetch_until_every_worker_answered(self, path: str, *, since: int) -> list[int]:
        """Request `path` (a few at a time, new connections) until each worker has answered it
        at least twice after log offset `since`; the statuses of all those requests."""
        statuses: list[int] = []
        deadline = time.monotonic() + 60
        with ThreadPoolExecutor(max_workers=WORKERS * 2) as pool:
            while True:
                batch = pool.map(lambda _: _get(self.url + path)[0], range(WORKERS * 4))
                statuses.extend(batch)
                by_worker = Counter(pid for pid, asked, _ in self.answers(since) if asked == path)
                if len(by_worker) == WORKERS and min(by_worker.values()) >= 2:
                    return statuses
                assert time.monotonic() < deadline, f"not every worker answered: {by_worker}"


def production_env(database: Path, media: Path, **settings: str) -> dict[str, str]:
    return _child_env(
        DEBUG="0",
        SECRET_KEY="workers-test-" + os.urandom(16).hex(),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        PLAIN_STATIC="1",
        DATABASE_URL=f"sqlite:///{database}",
        MEDIA_ROOT=str(media),
        LOG_FORMAT="plain",
        **settings,
    )


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory) -> Path:
    """A SQLite file migrated and holding the demo stories, made once for the tests below."""
    folder = tmp_path_factory.mktemp("demo-site")
    database = folder / "site.sqlite3"
    maker = Site("", production_env(database, folder / "media"), folder / "unused.log")
    maker.manage("migrate", "--no-input", "-v", "0")
    maker.manage("load_demo", "--force", "--password", "workers-Pass-1")
    return database


@pytest.fixture(params=["default", "redis"])
def site_with_workers(request, demo_database, tmp_path):
    """The demo site in gunicorn with several workers, DEBUG off, on a SQLite file of its own:
    with the cache settings choose when CACHE_URL is unset, or with a Redis server of its own."""
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed")
    cache_url = {}
    if request.param == "redis":
        cache_url["CACHE_URL"] = request.getfixturevalue("private_redis")
    database = tmp_path / "site.sqlite3"
    shutil.copyfile(demo_database, database)
    log = tmp_path / "gunicorn.log"
    env = production_env(database, tmp_path / "media", **cache_url)
    site = Site("", env, log)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    site.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    with open(log, "w") as output:
        app = subprocess.Popen(
            [str(GUNICORN), "--config", str(REPO / "deploy" / "gunicorn.conf.py"),
             "--bind", f"fd://{listener.fileno()}", "--workers", str(WORKERS),
             "--access-logformat", '%(p)s "%(r)s" %(s)s', "newsroom.wsgi:application"],
            cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True, pass_fds=(listener.fileno(),),
        )  # fmt: skip
    listener.close()
    try:

        def started() -> bool:
            assert app.poll() is None, "gunicorn exited:\n" + log.read_text()[-3000:]
            return len(site.workers()) == WORKERS and _get(site.url + "/healthz")[0] == 200

        _wait_for("gunicorn and its workers answer", started, seconds=60)
        yield site
    finally:
        os.killpg(app.pid, signal.SIGTERM)
        try:
            app.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait(timeout=10)
        print(log.read_text()[-3000:])  # shown when the test fails


def test_a_withdrawn_story_is_gone_from_every_worker_at_once(site_with_workers):
    site = site_with_workers
    before = site.fetch_until_every_worker_answered(ARTICLE, since=0)
    # Every worker has answered twice, so each has read the page from the cache at least once.
    assert set(before) == {200}, Counter(before)

    withdrawn_at = len(site.log.read_text())
    site.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        "from articles import workflow\n"
        "from articles.models import Article\n"
        f"story = Article.objects.get(slug={ARTICLE.split('/')[2]!r})\n"
        "editor = get_user_model().objects.get(username='editor')\n"
        "workflow.transition(story, 'withdraw', by=editor, comment='A source was endangered.')\n",
    )

    after = site.fetch_until_every_worker_answered(ARTICLE, since=withdrawn_at)
    served = Counter(after)
    print(f"before: {Counter(before)} over {len(before)} requests; after: {served}")
    assert set(after) == {410}, (
        f"{served[200]} of {len(after)} requests after the withdrawal got the story"
    )
    body = _get(site.url + ARTICLE)[1]
    assert "A source was endangered." in body
