"""SQLite, the embedded default, kept fast as the archive grows.

SQLite's query planner chooses an index from statistics that ANALYZE writes (sqlite_stat1).
Without them it guesses, and it guesses wrong for the readers' lists: it prefers the
(status, published_at) index, reads every live story and sorts them, where the newest-first
index gives the page's twenty in a few probes (the home page's newest stories: 50 ms rather
than 2 ms at 10,000 stories). So:

- after migrations, after an archive is restored (the door announces it) and after a benchmark
  archive is seeded (bench/seeding.py), the statistics are made again (refresh_statistics);
- every OPTIMIZE_EVERY requests, each process asks SQLite to `PRAGMA optimize`, which
  analyses again the tables that grew a lot since their statistics were made, as SQLite's
  documentation advises for long-lived connections.

Nothing here runs on PostgreSQL, whose autovacuum keeps its own statistics.
"""

from itertools import count
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

# How many requests each process serves between two `PRAGMA optimize` (0: never; the tests
# switch it off so that a query count never includes it).
OPTIMIZE_EVERY = 500

_requests = count(1)


def is_sqlite(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "sqlite"


def refresh_statistics(using: str = "default") -> None:
    """Make the planner's statistics again, after many rows were written at once."""
    connection = connections[using]
    if is_sqlite(connection):
        with connection.cursor() as cursor:
            # Every row, not a sample (analysis_limit): a sample of a thousand rows made the
            # status index look selective, and the planner went back to the slow plan.
            cursor.execute("ANALYZE")


def on_post_migrate(sender: Any, *, using: str = "default", **kwargs: Any) -> None:
    refresh_statistics(using)


def on_story_changed(sender: Any, *, changed: set[str], **kwargs: Any) -> None:
    """A restored archive replaced every story at once."""
    if "restore" in changed:
        refresh_statistics()


def on_request_finished(sender: Any, **kwargs: Any) -> None:
    if not OPTIMIZE_EVERY or next(_requests) % OPTIMIZE_EVERY:
        return
    for connection in connections.all(initialized_only=True):
        if is_sqlite(connection) and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA optimize")
