"""Full-text search over published stories: PostgreSQL ranking and snippets, SQLite fallback.

On PostgreSQL the search vector (document_vector(): headline A, dek and contributor names B, body
and exchanges C, English configuration, so "negotiations" finds "negotiate") is stored in
Article.search_vector, GIN-indexed, and refreshed after every change to a story, its bylines, its
exchanges or a contributor's name (on_story_changed, which the door's announcement calls).
"""

import re
from typing import Any

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection
from django.db.models import F, Func, OuterRef, Q, Subquery, TextField, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce, Concat
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from .models import Article, ArticleQuerySet, Byline

SEARCH_CONFIG = "english"
# Markers PostgreSQL puts around matched words; they cannot occur in text a person typed, so the
# snippet can be escaped first and the markers turned into <mark> afterwards.
START, STOP = "\x02", "\x03"
MAX_QUERY_LENGTH = 200
# Search ranks this many of the newest matching stories (see _postgresql()).
RANKED_MATCHES = 1000
SNIPPET_CHARS = 220
# Stories whose vectors one UPDATE recomputes.
REFRESH_BATCH = 2000


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
    """Published stories matching `text`, best first, each with a `snippet_html` attribute
    (set when the page is iterated; see SearchResults)."""
    text = clean_query(text)
    published = Article.objects.published()
    if not text:
        return published.none()
    if is_postgresql():
        return _postgresql(published, text)
    return _fallback(published, text)


def _exchanges_text() -> Coalesce:
    """All of a story's questions and answers as one text (a correlated subquery)."""
    from interviews.models import Exchange

    text: Any = TextField()
    # Only an interview's page shows its exchanges, so only an interview is found by them.
    exchanges = Subquery(
        Exchange.objects.filter(article=OuterRef("pk"), article__kind=Article.Kind.INTERVIEW)
        .values("article")
        .annotate(text=StringAgg(Concat("question", Value(" "), "answer", output_field=text), " "))
        .values("text")[:1]
    )
    return Coalesce(exchanges, Value(""), output_field=text)


def document_vector() -> CombinedExpression:
    """What a story is found by, and how much each part weighs: headline A, dek and contributor
    names B, body and exchanges C. Also the expression to store in a SearchVectorField:
    Article.objects.filter(pk=...).update(search_vector=document_vector())."""
    names = Subquery(
        Byline.objects.filter(article=OuterRef("pk"))
        .values("article")
        .annotate(text=StringAgg("contributor__name", " "))
        .values("text")[:1]
    )
    return (
        SearchVector("headline", weight="A", config=SEARCH_CONFIG)
        + SearchVector("dek", weight="B", config=SEARCH_CONFIG)
        + SearchVector(StripTags("body"), weight="C", config=SEARCH_CONFIG)
        + SearchVector(_exchanges_text(), weight="C", config=SEARCH_CONFIG)
        + SearchVector(
            Coalesce(names, Value(""), output_field=TextField()), weight="B", config=SEARCH_CONFIG
        )
    )


def refresh_search_vectors(article_ids) -> int:
    """Recompute the stored search vector of these stories, in one UPDATE; PostgreSQL only."""
    if not is_postgresql():
        return 0
    return Article.objects.filter(pk__in=list(article_ids)).update(search_vector=document_vector())


def on_story_changed(sender, *, article_ids, changed, **kwargs) -> None:
    """What a story is found by may have changed: its text, a credit, an exchange, a name.

    Refreshed at once, in the same transaction as the change (the door announces inside it), so
    a search never sees a story without its vector: one indexed UPDATE for all of them.
    """
    if article_ids and changed - {"status", "corrections", "review"}:
        ids = sorted(article_ids)
        for start in range(0, len(ids), REFRESH_BATCH):  # a restored archive: all of them
            refresh_search_vectors(ids[start : start + REFRESH_BATCH])


def _postgresql(published: ArticleQuerySet, words: str) -> ArticleQuerySet:
    query = SearchQuery(words, search_type="websearch", config=SEARCH_CONFIG)
    # Words most stories contain match tens of thousands of them; ranking them all costs a
    # second. Readers of news want the recent ones: rank among the newest matches only, which
    # also bounds the paginator's count (the page says so when the cap is reached).
    newest_matches = (
        published.filter(search_vector=query).order_by("-published_at", "-pk").values("pk")
    )[:RANKED_MATCHES]
    snippet_source = Func(
        F("dek"),
        Value(" "),
        StripTags("body"),
        Value(" "),
        _exchanges_text(),
        function="CONCAT",
        output_field=TextField(),
    )
    return (
        Article.objects.filter(pk__in=Subquery(newest_matches))
        .annotate(
            rank=SearchRank(F("search_vector"), query),
            raw_snippet=SearchHeadline(
                snippet_source,
                query,
                config=SEARCH_CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .for_listing()
        .order_by("-rank", "-published_at", "-pk")
    )


def _fallback(published: ArticleQuerySet, text: str) -> ArticleQuerySet:
    """SQLite and other databases: every word must appear somewhere (case-insensitive)."""
    condition = Q()
    for word in text.split()[:8]:
        condition &= (
            Q(headline__icontains=word)
            | Q(dek__icontains=word)
            | Q(body__icontains=word)
            | Q(pk__in=_exchange_ids(word))
            | Q(pk__in=Byline.objects.filter(contributor__name__icontains=word).values("article"))
        )
    return published.filter(condition).for_listing().latest()


def _exchange_ids(word: str):
    from interviews.models import Exchange

    return Exchange.objects.filter(
        Q(question__icontains=word) | Q(answer__icontains=word),
        article__kind=Article.Kind.INTERVIEW,
    ).values("article")


def snippet_for(article: Article, text: str) -> SafeString:
    """The highlighted snippet of one result: PostgreSQL's when it made one, else our own."""
    raw = getattr(article, "raw_snippet", None)
    if raw:
        return mark(raw)
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
