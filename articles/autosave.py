"""Autosave: what a person typed into the story form and has not saved, kept for them alone.

The story form sends what is typed every half minute and when a field loses focus; reopening
the form offers it back. An autosave is not a revision and not a change of the story: it never
reaches readers, never touches the story's tables, and only the person who typed it reads it. It
keeps only what they may change (articles/permissions.py): a translator's autosave of a story in
review holds the translation, not the credits. A save of the form deletes it.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.utils import timezone

from . import permissions
from .models import Article, Autosave

# What one autosave may hold, as JSON. A long feature is some 100 KB of HTML.
MAX_BYTES = 512 * 1024
NEW = "new"

# Inline prefixes of the story form, and the change each one's fields make.
INLINE_CHANGES = {"bylines": "bylines", "interview": "interviewee", "exchanges": "exchanges"}
# Management fields of an inline formset: how many rows, not what they say.
FORMSET_FIELDS = frozenset(
    {"TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS", "id", "article", "DELETE"}
)


class AutosaveRefused(PermissionDenied):
    """This person may not keep an autosave of this story (or not this big). Say the message."""


class AutosaveTooLarge(AutosaveRefused):
    pass


@dataclass(frozen=True)
class Offer:
    """An autosave to offer back on the form: when it was made, and what it holds."""

    saved_at: datetime
    data: dict[str, list[str]]
    story_saved_since: bool


def key_for(article: Article | None) -> str:
    return NEW if article is None or article.pk is None else str(article.pk)


def may_autosave(user: User, article: Article | None) -> bool:
    """Only someone who may change the story (or add one, for a new story) keeps an autosave."""
    if article is None or article.pk is None:
        return permissions.can_add_article(user)
    return permissions.can_view_article(user, article) and permissions.can_change_article(
        user, article
    )


def _field_change(name: str) -> str | None:
    """The change (as permissions names them) a form field's value would make; None when the
    field is not one a person types the story into."""
    if name.startswith(("csrfmiddlewaretoken", "_", "move_")) or name == "loaded_version":
        return None
    base = name.rsplit("_", 1)[0] if name.startswith("published_at_") else name
    if base in permissions.STORY_FIELDS:
        return base
    prefix, _, field = name.partition("-")
    if prefix not in INLINE_CHANGES:
        return None
    field = field.rpartition("-")[2]
    if field in FORMSET_FIELDS:
        return ""  # bookkeeping: kept with any part this person may change
    if prefix == "exchanges" and field in permissions.EXCHANGE_TRANSLATION_FIELDS:
        return "exchange_text"
    return INLINE_CHANGES[prefix]


def kept_fields(user: User, article: Article | None, data: QueryDict) -> dict:
    """The form's values that `user` may change on `article`, by name, as lists of strings."""
    allowed = permissions.allowed_changes(user, article)
    if "exchanges" in allowed:
        allowed = allowed | {"exchange_text"}
    kept: dict[str, list[str]] = {}
    for name in data:
        change = _field_change(name)
        if change is None or (change and change not in allowed):
            continue
        if change == "" and not allowed & {"bylines", "interviewee", "exchanges", "exchange_text"}:
            continue
        kept[name[:200]] = [str(value) for value in data.getlist(name)]
    return kept


def save(user: User, article: Article | None, data: QueryDict) -> Autosave:
    """Keep what `user` typed into the form of `article` (None: a new story) for them.

    Raises AutosaveRefused for someone who may not change the story, and AutosaveTooLarge past
    MAX_BYTES; either way nothing is kept.
    """
    if not may_autosave(user, article):
        raise AutosaveRefused(permissions.NOT_YOURS)
    kept = kept_fields(user, article, data)
    if len(json.dumps(kept).encode()) > MAX_BYTES:
        raise AutosaveTooLarge(
            f"Too much to autosave (more than {MAX_BYTES // 1024} KB): save the story instead."
        )
    autosave, _ = Autosave.objects.update_or_create(
        user=user,
        key=key_for(article),
        defaults={"article": article, "data": kept, "saved_at": timezone.now()},
    )
    return autosave


def offer(user: User, article: Article | None) -> Offer | None:
    """`user`'s own autosave of `article` (None: of a new story), if they have one and may still
    change the story; never anyone else's."""
    if user.pk is None or not may_autosave(user, article):
        return None
    autosave = Autosave.objects.filter(user=user, key=key_for(article)).first()
    if autosave is None:
        return None
    saved_since = bool(
        article is not None and article.updated_at and article.updated_at > autosave.saved_at
    )
    return Offer(saved_at=autosave.saved_at, data=autosave.data, story_saved_since=saved_since)


def discard(user: User, article: Article | None) -> int:
    """Forget `user`'s autosave of `article` (None: of a new story); how many were deleted."""
    if user.pk is None:
        return 0
    deleted, _ = Autosave.objects.filter(user=user, key=key_for(article)).delete()
    return deleted
