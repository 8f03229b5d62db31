"""Slugs that work for headlines in any script."""

from anyascii import anyascii
from django.db import models
from django.utils.text import slugify

FALLBACK_SLUG = "story"


def slug_for(text: str, *, max_length: int = 80, fallback: str = FALLBACK_SLUG) -> str:
    """Return an ASCII slug for `text`, transliterating Arabic and other scripts.

    Django's slugify drops every non-Latin letter, so an Arabic headline would come out empty;
    transliterating first keeps the slug readable and the URL plain ASCII.
    """
    slug = slugify(anyascii(text or ""))[:max_length].strip("-")
    return slug or fallback


def unique_slug(
    model: type[models.Model],
    text: str,
    *,
    field: str = "slug",
    max_length: int = 80,
    exclude_pk: object = None,
) -> str:
    """Return `slug_for(text)`, with -2, -3 ... appended until no other row of `model` has it."""
    base = slug_for(text, max_length=max_length)
    others = model._default_manager.all()
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    taken = set(others.filter(**{f"{field}__startswith": base}).values_list(field, flat=True))
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)].rstrip("-") + suffix
        n += 1
    return candidate
