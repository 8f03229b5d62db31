"""SQLite: an index that answers "is this story live now?" from the index alone.

Search joins its matches (the FTS5 table's rowids) to the stories and keeps the live ones. The
state, the publication time and the stale-translation flag come after the long texts in a
story's row, so reading them for each of thousands of matches walked each row's overflow pages
(150 ms for a common word at 10,000 stories). This index holds them beside the id, and the
count and the ranking read the index instead. PostgreSQL searches through its own GIN index and
needs none, so the index is made on SQLite only.
"""

from django.db import migrations

NAME = "article_live_search_idx"
COLUMNS = "id, status, published_at, translation_is_stale"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON articles_article ({COLUMNS})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0016_search_original_text")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
