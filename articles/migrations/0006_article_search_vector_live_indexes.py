"""Stored full-text search vector (GIN-indexed on PostgreSQL) and partial indexes for listings.

The GIN index exists only on PostgreSQL, where search uses it; SQLite searches the text itself,
so the index is created here by hand rather than declared in Article.Meta.

The backfill's expression is written out here, on the historical models, rather than imported
from articles/search.py: the migration keeps computing what it did, whatever search becomes.
"""

import django.contrib.postgres.search
from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models
from django.db.models import Func, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat


GIN_INDEX = "article_search_vector_gin"
SEARCH_CONFIG = "english"


class StripTags(Func):
    """Tags out of stored body HTML, so the vector holds words only."""

    function = "REGEXP_REPLACE"
    template = "%(function)s(%(expressions)s, '<[^>]+>', ' ', 'g')"
    output_field = TextField()


def document_vector(apps):
    """Headline A, dek and contributor names B, body and an interview's exchanges C."""
    Byline = apps.get_model("articles", "Byline")
    Exchange = apps.get_model("interviews", "Exchange")
    text = TextField()
    names = Subquery(
        Byline.objects.filter(article=OuterRef("pk"))
        .values("article")
        .annotate(text=StringAgg("contributor__name", " "))
        .values("text")[:1]
    )
    exchanges = Subquery(
        Exchange.objects.filter(article=OuterRef("pk"), article__kind="interview")
        .values("article")
        .annotate(text=StringAgg(Concat("question", Value(" "), "answer", output_field=text), " "))
        .values("text")[:1]
    )
    return (
        SearchVector("headline", weight="A", config=SEARCH_CONFIG)
        + SearchVector("dek", weight="B", config=SEARCH_CONFIG)
        + SearchVector(StripTags("body"), weight="C", config=SEARCH_CONFIG)
        + SearchVector(Coalesce(exchanges, Value(""), output_field=text), weight="C", config=SEARCH_CONFIG)
        + SearchVector(Coalesce(names, Value(""), output_field=text), weight="B", config=SEARCH_CONFIG)
    )


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON articles_article USING gin (search_vector)"
    )
    # Fill the vectors of the stories already there, with the expression search keeps current.
    Article = apps.get_model("articles", "Article")
    Article.objects.update(search_vector=document_vector(apps))


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0005_ascii_tag_slugs'),
        ('taggit', '0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name='article',
            index=models.Index(condition=models.Q(('status__in', ['published', 'scheduled'])), fields=['-published_at', '-id'], name='article_live_latest_idx'),
        ),
        migrations.AddIndex(
            model_name='article',
            index=models.Index(condition=models.Q(('status__in', ['published', 'scheduled'])), fields=['section', '-published_at', '-id'], name='article_live_section_idx'),
        ),
        migrations.RunPython(create_search_index, drop_search_index),
    ]
