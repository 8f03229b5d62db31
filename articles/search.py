"""Full-text search over published stories, ranked, stemmed and with highlighted snippets, on
PostgreSQL and on SQLite alike.

What a story is found by, and how much each part weighs: headline (A), standfirst and contributor
names (B), body and an interview's exchanges (C), and the original-language text it was
translated from (D: original headline, standfirst, text, questions and answers).

- PostgreSQL: the search vector (document_vector(); English configuration, so "negotiations"
  finds "negotiated", while Arabic script is left as it is) is stored in Article.search_vector,
  GIN-indexed, and ranked with ts_rank's A/B/C/D weights.
- SQLite: an FTS5 table (SEARCH_TABLE, one row per story keyed by its id, made by a migration)
  holds the same parts as columns, tokenized with the Porter stemmer over unicode61 without
  diacritics, and ranked with bm25() weighted like PostgreSQL's A/B/C/D (WEIGHTS).

Both are kept in step by the door: every change to a story, its bylines, its exchanges or a
contributor's name is announced, and on_story_changed rewrites what search holds for the stories
named, in the same transaction. Search ranks every match in the archive, and the page's LIMIT and
OFFSET are applied to the ranked query, so an old story that fits best is found first.
"""

import html
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Self, cast

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import connection
from django.db.models import F, Func, OuterRef, Subquery, TextField, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce, Concat
from django.db.models.query import ModelIterable
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from .models import Article, ArticleQuerySet, Byline

SEARCH_CONFIG = "english"
# The original-language text is read with the English configuration too: a query is, so a name
# or a Latin-script word in the original ("Reuters", "sieges") is found as it is in the English
# text and as SQLite's Porter stemmer finds it; English stemming leaves Arabic script as it is.
ORIGINAL_CONFIG = SEARCH_CONFIG
# Markers PostgreSQL puts around matched words; they cannot occur in text a person typed, so the
# snippet can be escaped first and the markers turned into <mark> afterwards.
START, STOP = "\x02", "\x03"
MAX_QUERY_LENGTH = 200
# At most this many words or phrases of a query are searched for.
MAX_TERMS = 8
SNIPPET_CHARS = 220
# Stories whose vectors (or SQLite index rows) one statement recomputes.
REFRESH_BATCH = 2000

# SQLite: the FTS5 table (made by a migration) and its columns, in order, with their bm25 weights,
# PostgreSQL's ts_rank defaults for A, B, C and D.
SEARCH_TABLE = "article_search"
COLUMNS = ("headline", "standfirst", "names", "body", "exchanges", "original")
WEIGHTS = (1.0, 0.4, 0.4, 0.2, 0.2, 0.1)
# Where a result's snippet may come from, in the order it reads: never the headline or the names,
# which the card shows. At most two of them, as on PostgreSQL.
SNIPPET_COLUMNS = ("standfirst", "body", "exchanges", "original")
SNIPPET_TOKENS = 24
SNIPPET_FRAGMENTS = 2
# A word as search sees it: letters and digits (with the marks Arabic vowels are written with).
WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f\u064b-\u065f\u0670])+")
TAG = re.compile(r"<[^>]+>")


class StripTags(Func):
    """Tags out of stored (sanitized) body HTML, so snippets and ranking see words only."""

    function = "REGEXP_REPLACE"
    template = "%(function)s(%(expressions)s, '<[^>]+>', ' ', 'g')"
    output_field = TextField()


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def clean_query(text: str) -> str:
    """A query as a person meant it: control characters out, whitespace folded, length capped."""
    text = re.sub(r"[\x00-\x1f\x7f]", " ", text or "")
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def prefix_query(text: str) -> SearchQuery | None:
    """Every word of `text`, or a word that starts with it ("Raq" finds "Raqqa"); None if
    `text` has no word. The desk's search: editors type fragments of what they remember.

    Only letters and digits reach the query, so nothing typed can be tsquery syntax.
    """
    words = re.findall(r"[^\W_]+", clean_query(text))[:8]
    if not words:
        return None
    raw = " & ".join(f"{word}:*" for word in words)
    return SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)


def mark(snippet: str) -> SafeString:
    """Escape a snippet, then turn the match markers into <mark> elements."""
    escaped = escape(snippet)
    return mark_safe(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))


def search_articles(text: str) -> ArticleQuerySet:
    """Published stories matching `text`, best first, each with a `raw_snippet` attribute (the
    matched words between START and STOP, or None: see snippet_for)."""
    text = clean_query(text)
    if not text:
        return Article.objects.published().none()
    if is_postgresql():
        return _postgresql(Article.objects.published(), text)
    return _sqlite(text)


def search_originals(text: str, language: str) -> ArticleQuerySet:
    """Published stories offered in `language` (the original-language edition) whose original
    text matches `text`, best first: only the original headline, standfirst, text and exchanges
    count, each story with a `raw_snippet` of its original text (see snippet_for)."""
    text = clean_query(text)
    offered = Article.objects.published().offered_in(language)
    if not text:
        return offered.none()
    if is_postgresql():
        return _postgresql_originals(offered, text)
    return _sqlite(text, original_language=language)


# What a story is found by ------------------------------------------------------------------------


def _exchanges_text(*fields: str) -> Coalesce:
    """All of a story's questions and answers (or the `fields` named) as one text (a correlated
    subquery)."""
    from interviews.models import Exchange

    text: Any = TextField()
    parts: list[Any] = []
    for field in fields or ("question", "answer"):
        parts += [field, Value(" ")]
    # Only an interview's page shows its exchanges, so only an interview is found by them.
    exchanges = Subquery(
        Exchange.objects.filter(article=OuterRef("pk"), article__kind=Article.Kind.INTERVIEW)
        .values("article")
        .annotate(text=StringAgg(Concat(*parts, output_field=text), " "))
        .values("text")[:1]
    )
    return Coalesce(exchanges, Value(""), output_field=text)


def document_vector() -> CombinedExpression:
    """What a story is found by on PostgreSQL, and how much each part weighs (see the module's
    docstring). Also the expression to store in a SearchVectorField:
    Article.objects.filter(pk=...).update(search_vector=document_vector())."""
    names = Subquery(
        Byline.objects.filter(article=OuterRef("pk"))
        .values("article")
        .annotate(text=StringAgg("contributor__name", " "))
        .values("text")[:1]
    )
    original = Concat("source_headline", Value(" "), _original_text(), output_field=TextField())
    return (
        SearchVector("headline", weight="A", config=SEARCH_CONFIG)
        + SearchVector("dek", weight="B", config=SEARCH_CONFIG)
        + SearchVector(StripTags("body"), weight="C", config=SEARCH_CONFIG)
        + SearchVector(_exchanges_text(), weight="C", config=SEARCH_CONFIG)
        + SearchVector(
            Coalesce(names, Value(""), output_field=TextField()), weight="B", config=SEARCH_CONFIG
        )
        + SearchVector(original, weight="D", config=ORIGINAL_CONFIG)
    )


def plain_text(markup: str) -> str:
    """Words of stored (sanitized) HTML: tags out, entities read, whitespace folded."""
    return " ".join(html.unescape(TAG.sub(" ", markup or "")).split())


def index_rows(article_ids: Iterable[int]) -> list[tuple[Any, ...]]:
    """SQLite: the FTS5 rows of these stories (those that still exist): (id, *COLUMNS)."""
    from interviews.models import Exchange

    ids = list(article_ids)
    names: dict[int, list[str]] = defaultdict(list)
    for article_id, name in (
        Byline.objects.filter(article__in=ids)
        .order_by("article", "position", "pk")
        .values_list("article_id", "contributor__name")
    ):
        names[article_id].append(name)
    exchanges: dict[int, list[str]] = defaultdict(list)
    originals: dict[int, list[str]] = defaultdict(list)
    for article_id, question, answer, question_original, answer_original in (
        Exchange.objects.filter(article__in=ids, article__kind=Article.Kind.INTERVIEW)
        .order_by("article", "position", "pk")
        .values_list("article_id", "question", "answer", "question_original", "answer_original")
    ):
        exchanges[article_id] += [plain_text(question), plain_text(answer)]
        originals[article_id] += [plain_text(question_original), plain_text(answer_original)]
    rows = []
    for pk, headline, dek, body, source_headline, source_dek, source_body in (
        Article.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list(
            "pk", "headline", "dek", "body", "source_headline", "source_dek", "source_body"
        )
    ):
        original = [source_headline, source_dek, plain_text(source_body), *originals[pk]]
        rows.append(
            (
                pk,
                headline,
                dek,
                " ".join(names[pk]),
                plain_text(body),
                " ".join(exchanges[pk]),
                " ".join(part for part in original if part),
            )
        )
    return rows


def refresh_search_vectors(article_ids: Iterable[int]) -> int:
    """Recompute what search holds for these stories: their stored search vectors (PostgreSQL,
    one UPDATE) or their rows of the FTS5 table (SQLite: a deleted story's row goes)."""
    ids = sorted(set(article_ids))
    if not ids:
        return 0
    if is_postgresql():
        return Article.objects.filter(pk__in=ids).update(search_vector=document_vector())
    if connection.vendor != "sqlite":
        return 0
    rows = index_rows(ids)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SEARCH_TABLE} WHERE rowid IN ({marks})", ids)
        cursor.executemany(
            f"INSERT INTO {SEARCH_TABLE} (rowid, {', '.join(COLUMNS)}) "
            f"VALUES ({', '.join(['%s'] * (len(COLUMNS) + 1))})",
            rows,
        )
    return len(rows)


def rebuild_search_index() -> int:
    """What search holds, made again for every story: after a restored archive or a bulk load,
    which write around the door. On SQLite the rows of stories no longer there go too."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {SEARCH_TABLE}")
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), REFRESH_BATCH):
        done += refresh_search_vectors(ids[start : start + REFRESH_BATCH])
    optimize_search_index()
    return done


def optimize_search_index() -> None:
    """After many stories were written at once: SQLite merges the FTS5 index's pieces into one,
    which later searches read faster. Nothing to do on PostgreSQL (VACUUM's work)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}) VALUES ('optimize')")


def on_story_changed(sender, *, article_ids, changed, **kwargs) -> None:
    """What a story is found by may have changed: its text, a credit, an exchange, a name; or a
    story was deleted, or a whole archive restored.

    Refreshed at once, in the same transaction as the change (the door announces inside it), so
    a search never sees a story without what it is found by. A change of status needs nothing:
    search keeps every story and shows the published ones.
    """
    if "restore" in changed:
        rebuild_search_index()
    elif article_ids and changed - {"status", "corrections", "correction_original", "review"}:
        ids = sorted(article_ids)
        for start in range(0, len(ids), REFRESH_BATCH):
            refresh_search_vectors(ids[start : start + REFRESH_BATCH])


# Searching ---------------------------------------------------------------------------------------


def _snippet(source: Any, query: SearchQuery, config: str) -> SearchHeadline:
    """PostgreSQL's highlighted snippet of `source`: two fragments at most, between the markers
    that mark() turns into <mark> once the text is escaped."""
    return SearchHeadline(
        source,
        query,
        config=config,
        start_sel=START,
        stop_sel=STOP,
        max_words=35,
        min_words=15,
        max_fragments=2,
        fragment_delimiter=" … ",
    )


def _postgresql(published: ArticleQuerySet, words: str) -> ArticleQuerySet:
    query = SearchQuery(words, search_type="websearch", config=SEARCH_CONFIG)
    snippet_source = Func(
        F("dek"),
        Value(" "),
        StripTags("body"),
        Value(" "),
        _exchanges_text(),
        function="CONCAT",
        output_field=TextField(),
    )
    # Every match is ranked (the GIN index finds them); the page's LIMIT and OFFSET apply to the
    # ranked query, and PostgreSQL makes headlines only for the rows of the page.
    return (
        published.filter(search_vector=query)
        .annotate(
            rank=SearchRank(F("search_vector"), query),
            raw_snippet=_snippet(snippet_source, query, SEARCH_CONFIG),
        )
        .for_listing()
        .order_by("-rank", "-published_at", "-pk")
    )


class OriginalVector(Func):
    """The original-language part of the stored search vector: its D-weighted words alone
    (document_vector() weighs nothing else D)."""

    function = "ts_filter"
    template = "%(function)s(%(expressions)s, '{d}'::\"char\"[])"
    output_field = SearchVectorField()


def _original_text() -> Concat:
    """A story's original standfirst, text and exchanges, as plain text (the snippets')."""
    return Concat(
        "source_dek",
        Value(" "),
        StripTags("source_body"),
        Value(" "),
        _exchanges_text("question_original", "answer_original"),
        output_field=TextField(),
    )


def _postgresql_originals(offered: ArticleQuerySet, words: str) -> ArticleQuerySet:
    query = SearchQuery(words, search_type="websearch", config=ORIGINAL_CONFIG)
    # The whole vector's match uses the GIN index; its original part then decides.
    return (
        offered.filter(search_vector=query)
        .annotate(original_vector=OriginalVector("search_vector"))
        .filter(original_vector=query)
        .annotate(
            rank=SearchRank(F("original_vector"), query),
            raw_snippet=_snippet(_original_text(), query, ORIGINAL_CONFIG),
        )
        .select_related("section")
        .defer("body", "search_vector")
        .order_by("-rank", "-published_at", "-pk")
    )


def match_expression(text: str) -> str | None:
    """An FTS5 query for what a person typed, or None if it has no word to look for.

    Read like PostgreSQL's web search: every word must appear, "quoted words" as a phrase, and
    -word must not. Each word or phrase becomes a quoted FTS5 string made of letters and digits
    only, so nothing typed (quotes, NEAR, AND, OR, *, ^, column names) is FTS5 syntax.
    """
    wanted: list[str] = []
    unwanted: list[str] = []
    for minus, phrase, word in re.findall(r'(-?)(?:"([^"]*)"?|([^\s"]+))', clean_query(text)):
        words = WORD.findall(phrase or word)
        if words:
            (unwanted if minus else wanted).append('"' + " ".join(words) + '"')
    if not wanted:
        return None
    expression = "(" + " ".join(wanted[:MAX_TERMS]) + ")"
    return " NOT ".join([expression, *unwanted[:MAX_TERMS]])


class FullTextResults(ArticleQuerySet):
    """SQLite's ranked matches, read a page at a time in three steps:

    1. the ids of the page's stories, ranked: the matches joined to the stories through an index
       that holds what "live now" needs (migrations 0017 and 0022), so that no story's row is read;
    2. those stories, by primary key, with what a card shows (for_listing);
    3. their snippets from FTS5 (snippet() over every match would be slow).

    Ranking with every column of the story selected made SQLite read each match's whole row,
    long texts included, before sorting them.
    """

    match: str = ""
    # Where snippets come from; empty for all of SNIPPET_COLUMNS.
    snippet_columns: tuple[str, ...] = ()

    def _clone(self) -> Self:
        clone = super()._clone()  # type: ignore[misc]  # QuerySet's own, not in the stubs
        clone.match = self.match
        clone.snippet_columns = self.snippet_columns
        return clone

    def _fetch_all(self) -> None:
        if self._result_cache is None and self.match and self._iterable_class is ModelIterable:
            ranked = list(self.values_list("pk", "rank"))
            found = Article.objects.filter(pk__in=[pk for pk, _ in ranked])
            if self.snippet_columns == ("original",):  # an edition's cards: no English credits
                found = found.select_related("section").defer("body", "search_vector")
            else:
                found = found.for_listing()
            by_pk = {article.pk: article for article in found}
            page: list[Any] = []
            for pk, rank in ranked:
                article: Any = by_pk[pk]
                article.rank = rank
                page.append(article)
            if page:
                attach_snippets(page, self.match, self.snippet_columns or SNIPPET_COLUMNS)
            self._result_cache = page
            self._prefetch_done = True  # for_listing() fetched the credits and tags
        super()._fetch_all()


def _sqlite(text: str, original_language: str = "") -> ArticleQuerySet:
    """Ranked matches among the published stories; with `original_language`, among those
    offered in it, by their original text alone, which their snippets come from too."""
    match = match_expression(text)
    if match is None:
        return Article.objects.none()
    weights = ", ".join(str(weight) for weight in WEIGHTS)
    results = FullTextResults(model=Article).published()
    if original_language:
        results = (
            results.offered_in(original_language)
            .select_related("section")
            .defer("body", "search_vector")
        )
        # An FTS5 column filter: the whole expression is looked for in that column alone.
        match = f"original : ({match})"
        results.snippet_columns = ("original",)
    else:
        results = results.for_listing()
    results.match = match
    # Joined to the stories a reader may see now, ranked by bm25() (smaller is better). The
    # stories themselves are read a page at a time (FullTextResults).
    ranked = results.extra(
        tables=[SEARCH_TABLE],
        where=[f"{SEARCH_TABLE}.rowid = articles_article.id", f"{SEARCH_TABLE} MATCH %s"],
        params=[match],
        select={"rank": f"bm25({SEARCH_TABLE}, {weights})"},
    )
    return cast(FullTextResults, ranked.order_by("rank", "-published_at", "-pk"))


def attach_snippets(
    articles: list[Article], match: str, sources: tuple[str, ...] = SNIPPET_COLUMNS
) -> None:
    """Set `raw_snippet` on each story: FTS5's snippets of the first two of the `sources` where
    the query's words are found, or None when they are found only in the headline or a name."""
    by_pk = {article.pk: article for article in articles}
    columns = [COLUMNS.index(name) for name in sources]
    snippets = ", ".join(
        f"snippet({SEARCH_TABLE}, {column}, %s, %s, ' … ', {SNIPPET_TOKENS})" for column in columns
    )
    params: list[Any] = [START, STOP] * len(columns) + [match, *by_pk]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, {snippets} FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH %s "
            f"AND rowid IN ({', '.join(['%s'] * len(by_pk))})",
            params,
        )
        for pk, *candidates in cursor.fetchall():
            found = [snippet for snippet in candidates if snippet and START in snippet]
            article: Any = by_pk[pk]
            article.raw_snippet = " … ".join(found[:SNIPPET_FRAGMENTS]) or None


def snippet_for(article: Article, text: str, *, original: bool = False) -> SafeString:
    """The highlighted snippet of one result: the database's when it made one, else our own
    (from the original-language text if `original`)."""
    raw = getattr(article, "raw_snippet", None)
    if raw and START in raw:
        return mark(raw)
    if original:
        source = " ".join(f"{article.source_dek} {strip_tags(article.source_body)}".split())
    else:
        source = " ".join(f"{article.dek} {strip_tags(article.body)}".split())
    words = [re.escape(w) for w in clean_query(text).split() if w]
    if not words:
        return mark(source[:SNIPPET_CHARS])
    pattern = re.compile("|".join(words), re.IGNORECASE)
    found = pattern.search(source)
    start = max(0, found.start() - 60) if found else 0
    piece = source[start : start + SNIPPET_CHARS]
    piece = ("…" if start else "") + piece + ("…" if start + SNIPPET_CHARS < len(source) else "")
    return mark(pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", piece))
