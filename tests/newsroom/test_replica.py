"""Read replicas: where reads and writes go (newsroom/routers.py), the settings that name the
replicas, and a real PostgreSQL streaming replica (deploy/replica.sh) carrying a published story
to readers."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from articles import workflow
from articles.changes.bookkeeping import door
from articles.models import Article, ArticleStatus
from articles.primary import reading_from_the_primary
from newsroom import routers
from newsroom.routers import PrimaryForStaffMiddleware, ReplicaRouter
from tests.factories import ArticleFactory

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def two_replicas(settings):
    settings.DATABASE_REPLICAS = ["replica_1", "replica_2"]
    # Outside any transaction, as a request on a real server is.
    outside = {
        DEFAULT_DB_ALIAS: SimpleNamespace(in_atomic_block=False),
        "replica_1": mock.Mock(),
        "replica_2": mock.Mock(),
    }
    with mock.patch.object(routers, "connections", outside), mock.patch.dict(routers._down_until):
        yield outside


def read_in_request(request, *models) -> list[str]:
    """Where the reads of `models` go, in that order, while `request` is handled."""
    router = ReplicaRouter()
    seen: list[str] = []

    def view(request):
        seen.extend(router.db_for_read(model) for model in models)
        return HttpResponse()

    PrimaryForStaffMiddleware(view)(request)
    return seen


def test_a_readers_page_reads_from_one_replica_for_the_whole_request(two_replicas):
    seen = read_in_request(RequestFactory().get("/"), Article, Article, Article)
    assert seen[0] in ("replica_1", "replica_2")
    assert seen == [seen[0]] * 3


def test_a_replica_that_cannot_be_reached_is_left_out_and_readers_use_another(two_replicas, caplog):
    two_replicas["replica_1"].ensure_connection.side_effect = OperationalError("refused")
    in_order = mock.patch.object(routers.random, "shuffle", return_value=None)
    with in_order:
        for _ in range(10):
            assert read_in_request(RequestFactory().get("/"), Article) == ["replica_2"]
    # Tried once, then left out until REPLICA_RETRY_SECONDS have passed.
    assert two_replicas["replica_1"].ensure_connection.call_count == 1
    assert "replica_1 cannot be reached" in caplog.text


def test_with_every_replica_down_readers_read_from_the_primary(two_replicas):
    for alias in ("replica_1", "replica_2"):
        two_replicas[alias].ensure_connection.side_effect = OperationalError("refused")
    assert read_in_request(RequestFactory().get("/"), Article) == [DEFAULT_DB_ALIAS]


def test_a_replica_is_tried_again_once_its_time_out_has_passed(two_replicas):
    replica = two_replicas["replica_1"]
    two_replicas["replica_2"].ensure_connection.side_effect = OperationalError("refused")
    replica.ensure_connection.side_effect = OperationalError("refused")
    assert read_in_request(RequestFactory().get("/"), Article) == [DEFAULT_DB_ALIAS]
    replica.ensure_connection.side_effect = None
    later = time.monotonic() + routers.REPLICA_RETRY_SECONDS + 1
    with mock.patch.object(routers.time, "monotonic", return_value=later):
        assert read_in_request(RequestFactory().get("/"), Article) == ["replica_1"]


def test_every_write_goes_to_the_primary(two_replicas):
    assert ReplicaRouter().db_for_write(Article) == DEFAULT_DB_ALIAS


def test_the_desk_and_signed_in_staff_read_from_the_primary(two_replicas, settings):
    factory = RequestFactory()
    desk = factory.get("/admin/articles/article/")
    staff_on_a_public_page = factory.get("/")
    staff_on_a_public_page.COOKIES[settings.SESSION_COOKIE_NAME] = "a-session"
    assert read_in_request(desk, Article) == [DEFAULT_DB_ALIAS]
    assert read_in_request(staff_on_a_public_page, Article) == [DEFAULT_DB_ALIAS]


def test_reads_inside_the_door_or_a_transaction_use_the_primary(two_replicas):
    router = ReplicaRouter()
    with door():
        assert router.db_for_read(Article) == DEFAULT_DB_ALIAS
    with reading_from_the_primary():
        assert router.db_for_read(Article) == DEFAULT_DB_ALIAS
    two_replicas[DEFAULT_DB_ALIAS].in_atomic_block = True
    assert router.db_for_read(Article) == DEFAULT_DB_ALIAS


def test_sessions_and_the_page_cache_table_are_read_from_the_primary(two_replicas):
    router = ReplicaRouter()
    assert router.db_for_read(Session) == DEFAULT_DB_ALIAS
    cache_entry = SimpleNamespace(_meta=SimpleNamespace(app_label="django_cache"))
    assert router.db_for_read(cache_entry) == DEFAULT_DB_ALIAS


def test_only_the_primary_is_migrated():
    router = ReplicaRouter()
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "articles")
    assert not router.allow_migrate("replica_1", "articles")


def test_without_replicas_every_read_uses_the_primary(settings):
    settings.DATABASE_REPLICAS = []
    assert read_in_request(RequestFactory().get("/"), Article) == [DEFAULT_DB_ALIAS]


def settings_in_child(**env: str) -> subprocess.CompletedProcess:
    code = (
        "import newsroom.settings as s; "
        "print(sorted(s.DATABASES), s.DATABASE_REPLICAS, s.DATABASE_ROUTERS, "
        "s.DATABASES.get('replica_2', {}).get('PORT'), "
        "s.DATABASES.get('replica_1', {}).get('TEST'))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, cwd=REPO, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip


def test_replicas_are_named_by_database_replica_urls():
    primary = "postgres://postgres@127.0.0.1:5432/newsroom"
    named = settings_in_child(
        DATABASE_URL=primary,
        DATABASE_REPLICA_URLS="postgres://postgres@127.0.0.1:5433/newsroom, "
        "postgres://postgres@127.0.0.1:5434/newsroom",
    )
    assert named.returncode == 0, named.stderr
    assert named.stdout.strip() == (
        "['default', 'replica_1', 'replica_2'] ['replica_1', 'replica_2'] "
        "['newsroom.routers.ReplicaRouter'] 5434 {'MIRROR': 'default'}"
    )
    none = settings_in_child(DATABASE_URL=primary)
    assert none.stdout.strip() == "['default'] [] [] None None"
    mixed = settings_in_child(DATABASE_URL=primary, DATABASE_REPLICA_URLS="sqlite:///x.sqlite3")
    assert mixed.returncode != 0
    assert "DATABASE_REPLICA_URLS" in mixed.stderr


# A real streaming replica -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def streaming_replica(settings):
    """A PostgreSQL hot standby of the test database's server, as alias "replica_1"."""
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")
    if not list(Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup")):
        pytest.skip("pg_basebackup is not installed (Debian: postgresql)")
    if os.geteuid() != 0 and os.environ.get("USER") != "postgres":
        pytest.skip("making a cluster needs root or the postgres user")
    if primary["HOST"] not in ("127.0.0.1", "localhost"):
        pytest.skip("the replica is made on this machine, from a primary on this machine")
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="newsroom-replica-"))
    folder.chmod(0o755)
    script = REPO / "deploy" / "replica.sh"
    source = f"postgres://{primary['USER']}@{primary['HOST']}:{primary['PORT'] or 5432}"
    try:
        made = subprocess.run(
            ["bash", str(script), "up", str(folder / "cluster"), str(port)],
            env={**os.environ, "REPLICA_PRIMARY": source}, capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip
        if made.returncode != 0:
            pytest.skip(f"the replica could not be started: {made.stderr.strip()[-500:]}")
        connections.settings["replica_1"] = {**primary, "HOST": "127.0.0.1", "PORT": str(port)}
        # Connected here: the test case allows connections to the databases it knew of only, and
        # this one is a read-only copy it need not flush.
        connections["replica_1"].connect()
        settings.DATABASE_REPLICAS = ["replica_1"]
        settings.DATABASE_ROUTERS = ["newsroom.routers.ReplicaRouter"]
        yield "replica_1"
    finally:
        if "replica_1" in connections.settings:
            connections["replica_1"].close()
            del connections.settings["replica_1"]
        subprocess.run(
            ["bash", str(script), "down", str(folder / "cluster")], capture_output=True,
            timeout=120,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


def until_replayed(alias: str, check, seconds: float = 60) -> None:
    """Wait (bounded) until the replica has replayed what `check` looks for."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{alias} did not replay the change in {seconds}s"
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_a_story_published_on_the_primary_reaches_readers_through_the_replica(
    streaming_replica, client, editor, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0  # every request rendered, from the database
    story = ArticleFactory(published=True, headline="Bakeries reopen in Douma")
    replica = connections[streaming_replica]
    on_replica = Article.objects.using(streaming_replica)
    until_replayed(streaming_replica, lambda: on_replica.filter(pk=story.pk).exists())
    with (
        CaptureQueriesContext(replica) as replica_reads,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary_reads,
    ):
        page = client.get(story.get_absolute_url())
    assert page.status_code == 200
    assert "Bakeries reopen in Douma" in page.content.decode()
    assert any("articles_article" in query["sql"] for query in replica_reads.captured_queries)
    assert not any("articles_article" in q["sql"] for q in primary_reads.captured_queries)

    # The replica is read-only; the desk writes to the primary, and its staff read from it.
    workflow.transition(story, "withdraw", by=editor, comment="Withdrawn: a wrong date.")
    staff = client.__class__()
    staff.force_login(editor)
    with CaptureQueriesContext(replica) as staff_replica_reads:
        assert staff.get(story.get_absolute_url()).status_code == 410
    assert staff_replica_reads.captured_queries == []
    until_replayed(
        streaming_replica,
        lambda: on_replica.get(pk=story.pk).status == ArticleStatus.WITHDRAWN,
    )
    gone = client.get(story.get_absolute_url())
    assert gone.status_code == 410
    assert "Withdrawn: a wrong date." in gone.content.decode()

    health = client.get("/healthz").json()
    assert health["replicas"]["replica_1"]["database"] == "ok"
    assert isinstance(health["replicas"]["replica_1"]["lag_seconds"], float)
