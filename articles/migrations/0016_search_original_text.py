"""Search finds the original-language text, on both databases; SQLite gets full-text search.

- PostgreSQL: the stored search vector gains the original headline, standfirst, text, questions
  and answers (weight D; the English configuration, which the query is read with and which
  leaves Arabic script as it is), and is recomputed for every story.
- SQLite: the FTS5 table article_search, one row per story keyed by its id (headline, standfirst,
  contributor names, body, exchanges, original text; Porter stemming over unicode61 without
  diacritics), filled here for the stories already there. The door keeps it current afterwards.

Both expressions are written out here, on the historical models, rather than imported from
articles/search.py: the migration keeps computing what it did, whatever search becomes.
"""

import html
import re
from collections import defaultdict

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchVector
from django.db import migrations
from django.db.models import Func, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat

SEARCH_CONFIG = "english"
ORIGINAL_CONFIG = "english"
TABLE = "article_search"
COLUMNS = ("headline", "standfirst", "names", "body", "exchanges", "original")
BATCH = 2000
TAG = re.compile(r"<[^>]+>")


class StripTags(Func):
    """Tags out of stored HTML, so the vector holds words only."""

    function = "REGEXP_REPLACE"
    template = "%(function)s(%(expressions)s, '<[^>]+>', ' ', 'g')"
    output_field = TextField()


def document_vector(apps):
    """Headline A, dek and contributor names B, body and an interview's exchanges C, the
    original-language text D."""
    Byline = apps.get_model("articles", "Byline")
    Exchange = apps.get_model("interviews", "Exchange")
    text = TextField()

    def exchanges(*fields):
        parts = []
        for field in fields:
            parts += [field, Value(" ")]
        joined = Subquery(
            Exchange.objects.filter(article=OuterRef("pk"), article__kind="interview")
            .values("article")
            .annotate(text=StringAgg(Concat(*parts, output_field=text), " "))
            .values("text")[:1]
        )
        return Coalesce(joined, Value(""), output_field=text)

    names = Subquery(
        Byline.objects.filter(article=OuterRef("pk"))
        .values("article")
        .annotate(text=StringAgg("contributor__name", " "))
        .values("text")[:1]
    )
    original = Concat(
        "source_headline",
        Value(" "),
        "source_dek",
        Value(" "),
        StripTags("source_body"),
        Value(" "),
        exchanges("question_original", "answer_original"),
        output_field=text,
    )
    return (
        SearchVector("headline", weight="A", config=SEARCH_CONFIG)
        + SearchVector("dek", weight="B", config=SEARCH_CONFIG)
        + SearchVector(StripTags("body"), weight="C", config=SEARCH_CONFIG)
        + SearchVector(exchanges("question", "answer"), weight="C", config=SEARCH_CONFIG)
        + SearchVector(Coalesce(names, Value(""), output_field=text), weight="B", config=SEARCH_CONFIG)
        + SearchVector(original, weight="D", config=ORIGINAL_CONFIG)
    )


def plain_text(markup):
    return " ".join(html.unescape(TAG.sub(" ", markup or "")).split())


def index_rows(apps, ids):
    Article = apps.get_model("articles", "Article")
    Byline = apps.get_model("articles", "Byline")
    Exchange = apps.get_model("interviews", "Exchange")
    names = defaultdict(list)
    for article_id, name in (
        Byline.objects.filter(article__in=ids)
        .order_by("article", "position", "pk")
        .values_list("article_id", "contributor__name")
    ):
        names[article_id].append(name)
    exchanges = defaultdict(list)
    originals = defaultdict(list)
    for article_id, question, answer, question_original, answer_original in (
        Exchange.objects.filter(article__in=ids, article__kind="interview")
        .order_by("article", "position", "pk")
        .values_list("article_id", "question", "answer", "question_original", "answer_original")
    ):
        exchanges[article_id] += [plain_text(question), plain_text(answer)]
        originals[article_id] += [plain_text(question_original), plain_text(answer_original)]
    rows = []
    for pk, headline, dek, body, source_headline, source_dek, source_body in (
        Article.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "headline", "dek", "body", "source_headline", "source_dek", "source_body")
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


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    Article = apps.get_model("articles", "Article")
    if vendor == "postgresql":
        Article.objects.update(search_vector=document_vector(apps))
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5({', '.join(COLUMNS)}, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
        insert = (
            f"INSERT INTO {TABLE} (rowid, {', '.join(COLUMNS)}) "
            f"VALUES ({', '.join(['%s'] * (len(COLUMNS) + 1))})"
        )
        with schema_editor.connection.cursor() as cursor:
            for start in range(0, len(ids), BATCH):
                cursor.executemany(insert, index_rows(apps, ids[start : start + BATCH]))


def backwards(apps, schema_editor):
    # PostgreSQL keeps the wider vectors: they still find everything the narrower ones did.
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0015_sent_email"),
        ("interviews", "0003_answer_help_text"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
