"""The table of the public page cache when CACHE_URL=db:// (the default with DEBUG off).

Made by migrate, so that no deployment has to remember `createcachetable`. The table is made by
that very command, in the shape Django's database cache expects, on whichever database this
migration runs; a table made earlier by hand is left as it is. Every database gets it, whatever
CACHE_URL says today, so that switching to db:// later needs no further step.
"""

from django.core.management import call_command
from django.db import migrations

# settings.CACHE_TABLE; written out here, as a migration must not change when settings do.
CACHE_TABLE = "newsroom_cache"


def create_cache_table(apps, schema_editor):
    call_command(
        "createcachetable", CACHE_TABLE, database=schema_editor.connection.alias, verbosity=0
    )


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0007_article_latest_idx"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table, elidable=False),
    ]
