"""Give existing tags readable ASCII slugs: taggit kept Unicode ("تعليم") and left "!!!" empty.

New tags get theirs from the pre_save receiver connected in articles/apps.py; this re-slugs the
tags saved before it, in the same way. Reversing leaves the new slugs: the old ones broke pages.

The slug rules are written out here as they were when this migration was made (articles/slugs.py
then), not imported, so that the migration keeps doing what it did.
"""

from anyascii import anyascii
from django.db import migrations
from django.utils.text import slugify


def slug_for(text, *, max_length, fallback="story"):
    """An ASCII slug for `text`, transliterating Arabic and other scripts first."""
    slug = slugify(anyascii(text or ""))[:max_length].strip("-")
    return slug or fallback


def unique_slug(model, text, *, max_length, exclude_pk):
    """slug_for(text), with -2, -3 ... appended until no other row of `model` has it."""
    base = slug_for(text, max_length=max_length)
    others = model._default_manager.exclude(pk=exclude_pk)
    taken = set(others.filter(slug__startswith=base).values_list("slug", flat=True))
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)].rstrip("-") + suffix
        n += 1
    return candidate


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
