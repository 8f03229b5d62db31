"""Give existing tags readable ASCII slugs: taggit kept Unicode ("تعليم") and left "!!!" empty.

New tags get theirs from the pre_save receiver connected in articles/apps.py; this re-slugs the
tags saved before it, in the same way. Reversing leaves the new slugs: the old ones broke pages.
"""

from django.db import migrations

from articles.slugs import slug_for, unique_slug


def ascii_tag_slugs(apps, schema_editor):
    Tag = apps.get_model("taggit", "Tag")
    tags = Tag.objects.using(schema_editor.connection.alias).order_by("pk")
    for tag in tags:
        if tag.slug and tag.slug == slug_for(tag.slug, max_length=100):
            continue
        readable = slug_for(tag.name, max_length=100, fallback="tag")
        tag.slug = unique_slug(Tag, readable, max_length=100, exclude_pk=tag.pk)
        tag.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_article_translation_is_stale"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(ascii_tag_slugs, migrations.RunPython.noop)]
