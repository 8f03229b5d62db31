"""SQLite, the embedded default, reads the readers' lists through their indexes: the live states
are written into the SQL so that its partial indexes apply, and the planner has statistics
(newsroom/sqlite.py)."""

from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection

from articles.models import Article
from newsroom import sqlite
from public.views import section_groups
from tests.factories import ArticleFactory, SectionFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner and statistics"),
]


def statements(run) -> list[tuple[str, list]]:
    """The SQL statements `run()` sends, with their parameters, as the database receives them."""
    seen: list[tuple[str, list]] = []

    def record(execute, sql, params, many, context):
        seen.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run()
    return seen


def plan(sql: str, params: list) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [row[-1] for row in cursor.fetchall()]


def test_the_live_states_are_written_into_the_sql_not_bound():
    sql, params = Article.objects.published().query.sql_with_params()
    assert "IN ('published', 'scheduled')" in sql
    assert "published" not in params


def test_each_sections_newest_stories_are_index_probes_not_a_scan_of_every_story():
    for name in ("Syria", "Iraq", "Lebanon"):
        section = SectionFactory(name=name)
        ArticleFactory.create_batch(4, published=True, section=section)
    sqlite.refresh_statistics()
    [(sql, params)] = [
        (sql, params) for sql, params in statements(section_groups) if "UNION ALL" in sql
    ]
    steps = plan(sql, params)
    # One probe of the live-stories-per-section index a section: with the states bound as
    # parameters SQLite could not use it, and read every story instead.
    probes = [step for step in steps if step.startswith("SEARCH articles_article USING INDEX")]
    assert len(probes) == 3, steps
    assert all("article_live_section_idx" in probe for probe in probes), steps


def test_statistics_are_made_after_migrations():
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
    ArticleFactory(published=True)
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'articles_article'")
        assert cursor.fetchone()[0] > 0


def test_a_restored_archive_gets_fresh_statistics():
    with mock.patch.object(sqlite, "refresh_statistics") as refresh:
        sqlite.on_story_changed(None, article_ids=set(), changed={"restore"})
        sqlite.on_story_changed(None, article_ids={1}, changed={"body"})
    refresh.assert_called_once_with()


def test_each_process_asks_sqlite_to_optimize_every_so_many_requests(client):
    Article.objects.exists()  # the connection is open
    optimized = []

    def record(execute, sql, params, many, context):
        if sql == "PRAGMA optimize":
            optimized.append(sql)
        return execute(sql, params, many, context)

    with (
        mock.patch.object(sqlite, "OPTIMIZE_EVERY", 3),
        mock.patch.object(sqlite, "_requests", iter(range(1, 100))),
        connection.execute_wrapper(record),
    ):
        for _ in range(7):
            sqlite.on_request_finished(None)
    assert len(optimized) == 2


def test_search_keeps_the_live_matches_from_an_index_without_reading_the_stories():
    from articles.search import search_articles

    for n in range(5):
        ArticleFactory(published=True, headline=f"Bakers of Yalda {n}", body="<p>Bread.</p>" * 400)
    sqlite.refresh_statistics()

    def read_a_page():
        results = search_articles("bakers")
        assert results.count() == 5
        assert [article.headline for article in results[:2]]

    sent = statements(read_a_page)
    counted = [(sql, params) for sql, params in sent if "COUNT(*)" in sql]
    ranked = [(sql, params) for sql, params in sent if "bm25(" in sql]
    assert counted
    assert len(ranked) == 1
    # The ranking selects ids only; the page's stories are read by primary key afterwards.
    assert '"articles_article"."body"' not in ranked[0][0]
    # What "live now" needs is in one index beside the id (at 10,000 stories the planner reads
    # the matches through it: "SEARCH a USING COVERING INDEX article_live_search_idx").
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA index_info(article_live_search_idx)")
        columns = [row[2] for row in cursor.fetchall()]
    assert columns == ["id", "status", "published_at", "translation_is_stale", "embargo_until"]
