"""The page cache as deployments run it: every cache a deployment may choose (invalidation,
scheduled stories, time kept), and gunicorn workers sharing the cache that settings choose."""

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
from django.core.cache import cache, caches
from django.utils import timezone

from articles.models import Article
from articles.workflow import transition
from public import caching
from public.caching import VERSION_KEY, SiteVersion, current_version
from tests.factories import ArticleFactory
from tests.helpers import edit
from tests.newsroom.test_outage import GUNICORN, REPO, _child_env, _get, _wait_for

pytestmark = pytest.mark.django_db


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
    assert response.status_code == 410
    assert b"A source was endangered." in response.content


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
    assert renewed.key != version.key
    assert renewed.next_live_at is None


def test_pages_are_kept_public_page_cache_seconds_and_the_version_until_a_change(
    page_cache_in, client, story, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 120
    # Patched on the backend in use (the fixture's), and put back before the fixture ends.
    with (
        mock.patch.object(caching.cache, "set", wraps=caching.cache.set) as stored,
        mock.patch.object(caching.cache, "add", wraps=caching.cache.add) as added,
    ):
        client.get(story.get_absolute_url())
    calls = added.call_args_list + stored.call_args_list
    timeouts = {call.args[0]: call.args[2] for call in calls}
    assert timeouts.pop(VERSION_KEY) is None
    # The render lock is held only while the page is rendered, then given back.
    assert [t for k, t in timeouts.items() if k.endswith(":rendering")] == [
        caching.RENDER_LOCK_SECONDS
    ]
    assert [t for k, t in timeouts.items() if not k.endswith(":rendering")] == [120]


def test_with_public_page_cache_seconds_0_nothing_is_cached_or_looked_up(
    client, settings, story, editor
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    with mock.patch("public.caching.current_version", wraps=current_version) as version:
        first = client.get(story.get_absolute_url())
        edit(story, by=editor, headline="Bakeries reopen in Douma and Harasta")
        second = client.get(story.get_absolute_url())
    assert version.call_count == 0
    assert b"Harasta" in second.content
    assert first["ETag"] != second["ETag"]
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
