"""Try the recommended indexes on a copy of a seeded benchmark database, and EXPLAIN before/after.

    python bench/indexes.py --size 100000

Copies newsroom_bench_<size> to newsroom_bench_<size>_idx (the original is left as the site's
migrations made it), adds there what bench/FINDINGS.md recommends (partial indexes on published
stories, a stored search vector with a GIN index, a trigram index for the admin's headline
search), and writes bench/INDEXES.md: each listing or filter query as the site runs it now, then
as it would run with the change, with EXPLAIN (ANALYZE, BUFFERS) and its execution time. The
migrations themselves belong to the model's owners; these statements are what they should do.
"""

import argparse
import re
import sys
import time
from pathlib import Path

import psycopg

BENCH = Path(__file__).resolve().parent
SERVER = "postgres://postgres@127.0.0.1:5432"
LIVE = "status IN ('published', 'scheduled') AND published_at <= now()"

# What the recommended Meta.indexes entries and search field would create (see FINDINGS.md).
CHANGES = [
    # Index(fields=["-published_at", "-id"], condition=Q(status__in=LIVE_STATES))
    "CREATE INDEX article_live_latest_idx ON articles_article (published_at DESC, id DESC) "
    "WHERE status IN ('published', 'scheduled')",
    # Index(fields=["section", "-published_at", "-id"], condition=Q(status__in=LIVE_STATES))
    "CREATE INDEX article_live_section_idx ON articles_article "
    "(section_id, published_at DESC, id DESC) WHERE status IN ('published', 'scheduled')",
    # SearchVectorField + GinIndex(fields=["search_vector"])
    "ALTER TABLE articles_article ADD COLUMN search_vector tsvector",
    """UPDATE articles_article a SET search_vector =
        setweight(to_tsvector('english', a.headline), 'A')
        || setweight(to_tsvector('english', a.dek), 'B')
        || setweight(to_tsvector('english', regexp_replace(a.body, '<[^>]+>', ' ', 'g')), 'C')
        || setweight(to_tsvector('english', coalesce((
               SELECT string_agg(e.question || ' ' || e.answer, ' ')
               FROM interviews_exchange e WHERE e.article_id = a.id), '')), 'C')
        || setweight(to_tsvector('english', coalesce((
               SELECT string_agg(c.name, ' ') FROM articles_byline b
               JOIN articles_contributor c ON c.id = b.contributor_id
               WHERE b.article_id = a.id), '')), 'B')""",
    "CREATE INDEX article_search_gin ON articles_article USING gin (search_vector)",
    # TrigramExtension() + GinIndex(OpClass(Upper("headline"), name="gin_trgm_ops"))
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX article_headline_trgm ON articles_article "
    "USING gin (upper(headline) gin_trgm_ops)",
    "VACUUM ANALYZE articles_article",
]

LATEST = f"""SELECT id, headline, slug, published_at FROM articles_article
WHERE {LIVE} ORDER BY published_at DESC, id DESC LIMIT 13"""

SEARCH_NOW = f"""SELECT id, headline FROM articles_article
WHERE {LIVE} AND (
  setweight(to_tsvector('english', headline), 'A')
  || setweight(to_tsvector('english', dek), 'B')
  || setweight(to_tsvector('english', regexp_replace(body, '<[^>]+>', ' ', 'g')), 'C')
  || setweight(to_tsvector('english', coalesce((
       SELECT string_agg(e.question || ' ' || e.answer, ' ') FROM interviews_exchange e
       WHERE e.article_id = articles_article.id), '')), 'C')
) @@ websearch_to_tsquery('english', 'pharmacies Yarmouk')
LIMIT 20"""

# (title, query as the site runs it now, query with the recommended change or None if the
# same query simply gets the new index)
QUERIES = [
    ("Home and feeds: the latest published stories", LATEST, None),
    (
        "Home: the newest three of each section",
        f"""SELECT * FROM (SELECT id, section_id, row_number() OVER (
              PARTITION BY section_id ORDER BY published_at DESC, id DESC) AS rank
            FROM articles_article WHERE {LIVE} AND section_id IS NOT NULL) ranked
            WHERE rank <= 3""",
        f"""SELECT s.id, latest.id FROM articles_section s CROSS JOIN LATERAL (
              SELECT id FROM articles_article a WHERE a.section_id = s.id AND {LIVE}
              ORDER BY published_at DESC, id DESC LIMIT 3) latest""",
    ),
    (
        "Section page 1",
        f"""SELECT id, headline FROM articles_article WHERE {LIVE} AND section_id = 1
            ORDER BY published_at DESC, id DESC LIMIT 20""",
        None,
    ),
    (
        "Section, a deep page (OFFSET 12,000), and the same page by keyset",
        f"""SELECT id, headline FROM articles_article WHERE {LIVE} AND section_id = 1
            ORDER BY published_at DESC, id DESC LIMIT 20 OFFSET 12000""",
        # The cursor (published_at, id) of the last story on the page before comes from the
        # link the reader followed; main() fills it in.
        f"""SELECT id, headline FROM articles_article WHERE {LIVE} AND section_id = 1
            AND (published_at, id) < ({{cursor}})
            ORDER BY published_at DESC, id DESC LIMIT 20""",
    ),
    (
        "Section: the paginator's count",
        f"SELECT count(*) FROM articles_article WHERE {LIVE} AND section_id = 1",
        None,
    ),
    (
        "Archive: the list of months that have stories (fix: cache it, not an index)",
        f"""SELECT DISTINCT date_trunc('month', published_at AT TIME ZONE 'UTC')
            FROM articles_article WHERE {LIVE} ORDER BY 1 DESC""",
        "",
    ),
    (
        "Search: vector computed per row (now) / stored vector with a GIN index",
        SEARCH_NOW,
        f"""SELECT id, headline, ts_rank(search_vector, q) AS rank
            FROM articles_article, websearch_to_tsquery('english', 'pharmacies Yarmouk') q
            WHERE {LIVE} AND search_vector @@ q
            ORDER BY rank DESC, published_at DESC, id DESC LIMIT 20""",
    ),
    (
        "Search, two words most stories contain: a page of results by rank, stored vector",
        None,
        f"""SELECT id, headline, ts_rank(search_vector, q) AS rank
            FROM articles_article, websearch_to_tsquery('english', 'school truce') q
            WHERE {LIVE} AND search_vector @@ q
            ORDER BY rank DESC, published_at DESC, id DESC LIMIT 20""",
    ),
    (
        "Search, the same words: newest first instead of by rank",
        None,
        f"""SELECT id, headline FROM articles_article
            WHERE {LIVE} AND search_vector @@ websearch_to_tsquery('english', 'school truce')
            ORDER BY published_at DESC, id DESC LIMIT 20""",
    ),
    (
        "Search, the same words: the paginator's exact count",
        None,
        f"""SELECT count(*) FROM articles_article
            WHERE {LIVE} AND search_vector @@ websearch_to_tsquery('english', 'school truce')""",
    ),
    (
        "Search, the same words: the count capped at 1,000 (more than 1,000 results)",
        None,
        f"""SELECT count(*) FROM (SELECT 1 FROM articles_article
            WHERE {LIVE} AND search_vector @@ websearch_to_tsquery('english', 'school truce')
            LIMIT 1000) capped""",
    ),
    (
        "Admin search on the headline (icontains)",
        "SELECT id FROM articles_article WHERE upper(headline::text) LIKE upper('%Yarmouk%') "
        "ORDER BY published_at DESC, id DESC LIMIT 50",
        None,
    ),
    (
        "Admin: tags offered by the tag filter (DISTINCT join now, EXISTS instead)",
        """SELECT DISTINCT t.id, t.name, t.slug FROM taggit_tag t
            JOIN taggit_taggeditem i ON t.id = i.tag_id WHERE i.id IS NOT NULL ORDER BY t.name""",
        """SELECT t.id, t.name, t.slug FROM taggit_tag t
            WHERE EXISTS (SELECT 1 FROM taggit_taggeditem i WHERE i.tag_id = t.id)
            ORDER BY t.name""",
    ),
]


def number(ms: float | None) -> str:
    if ms is None:
        return "–"
    return f"{ms:,.1f}" if ms >= 1 else f"{ms:.2f}"


def explain(connection: psycopg.Connection, sql: str) -> tuple[str, float]:
    rows = connection.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall()
    plan = "\n".join(row[0] for row in rows)
    match = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return plan, float(match.group(1)) if match else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="Reuse an existing _idx copy.")
    options = parser.parse_args()
    source, copy = f"newsroom_bench_{options.size}", f"newsroom_bench_{options.size}_idx"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [copy]).fetchone()
        if not (options.keep and exists):
            admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
            with psycopg.connect(f"{SERVER}/{copy}", autocommit=True) as connection:
                for statement in CHANGES:
                    started = time.monotonic()
                    connection.execute(statement)
                    print(f"{time.monotonic() - started:6.1f} s  {statement.split(chr(10))[0]}",
                          file=sys.stderr)  # fmt: skip
    lines = [
        f"# Recommended indexes, tried on {options.size:,} stories",
        "",
        "Written by `python bench/indexes.py --size N` (see its docstring). *Now*: the query as "
        "the site runs it, on the database its migrations make. *With the change*: on a copy "
        "with the indexes and stored search vector of FINDINGS.md. Times are PostgreSQL's own "
        "execution time, run twice, second run shown.",
        "",
        "| query | now ms | with the change ms |",
        "| --- | ---: | ---: |",
    ]
    details = []
    with (
        psycopg.connect(f"{SERVER}/{source}") as before,
        psycopg.connect(f"{SERVER}/{copy}") as after,
    ):
        before.execute("SET statement_timeout = 120000")
        cursor = before.execute(
            f"SELECT published_at, id FROM articles_article WHERE {LIVE} AND section_id = 1 "
            "ORDER BY published_at DESC, id DESC LIMIT 1 OFFSET 11999"
        ).fetchone()
        for title, now_sql, new_sql in QUERIES:
            if new_sql and "{cursor}" in new_sql and cursor:
                new_sql = new_sql.replace("{cursor}", f"'{cursor[0].isoformat()}', {cursor[1]}")
            print(title, file=sys.stderr)
            now_plan = new_plan = ""
            now_ms = new_ms = None
            if now_sql:
                explain(before, now_sql)
                now_plan, now_ms = explain(before, now_sql)
            new_query = now_sql if new_sql is None else new_sql
            if new_query:
                explain(after, new_query)
                new_plan, new_ms = explain(after, new_query)
            lines.append(f"| {title} | {number(now_ms)} | {number(new_ms)} |")
            details += [f"## {title}", ""]
            if now_sql:
                details += ["Now:", "", "```sql", now_sql, "```", "", "```", now_plan, "```", ""]
            if new_query:
                details += ["With the change:", "", "```sql", new_query, "```", "", "```"]
                details += [new_plan, "```", ""]
    (BENCH / "INDEXES.md").write_text("\n".join([*lines, "", *details]).rstrip() + "\n")
    print(f"Wrote {BENCH / 'INDEXES.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
