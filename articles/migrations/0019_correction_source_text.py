"""Corrections in every language: a correction's text in the story's original language, for the
original-language page, and an index for /corrections/ (newest first)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0018_previews"),
    ]

    operations = [
        migrations.AddField(
            model_name="correction",
            name="source_text",
            field=models.TextField(
                blank=True,
                help_text="The correction in the story's original language, for its original page.",
            ),
        ),
        migrations.AddIndex(
            model_name="correction",
            index=models.Index(fields=["-created_at", "-id"], name="correction_newest_idx"),
        ),
    ]
