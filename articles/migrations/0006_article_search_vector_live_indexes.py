"""Stored full-text search vector (GIN-indexed on PostgreSQL) and partial indexes for listings.

The GIN index exists only on PostgreSQL, where search uses it; SQLite searches the text itself,
so the index is created here by hand rather than declared in Article.Meta.
"""

import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations, models


GIN_INDEX = "article_search_vector_gin"


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON articles_article USING gin (search_vector)"
    )
    # Fill the vectors of the stories already there, with the expression search keeps current.
    from articles.search import document_vector

    Article = apps.get_model("articles", "Article")
    Article.objects.update(search_vector=document_vector())


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
