"""SQLite: the index that answers "is this story live now?" for search (0017) holds the embargo
time too, now that a story under an embargo still to run is not live: without it, each of the
thousands of matches of a common word would be read from the story's row again."""

from django.db import migrations

NAME = "article_live_search_idx"
BEFORE = "id, status, published_at, translation_is_stale"
AFTER = "id, status, published_at, translation_is_stale, embargo_until"


def rebuild(columns):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")
            schema_editor.execute(f"CREATE INDEX {NAME} ON articles_article ({columns})")

    return run


class Migration(migrations.Migration):
    dependencies = [("articles", "0021_embargo")]

    operations = [migrations.RunPython(rebuild(AFTER), rebuild(BEFORE), elidable=False)]
