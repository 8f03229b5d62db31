"""Tags, the desk's editorial data: add, rename, merge and delete, with a revision and an
audit row for every story whose tags change."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.models import User
from taggit.models import Tag, TaggedItem

from .. import permissions
from ..models import Article
from ..text import clean_text
from .bookkeeping import ChangeRefused, audit, claim_version, through_the_door
from .signals import announce
from .stories import _save_revision


def _retag(
    article_ids: set[int], *, by: User, action: str, reason: str, write: Callable[[], Any]
) -> int:
    """Change the tags of these stories with `write`, then record a revision and an audit row
    for each story whose tags changed, and bump its version (a form open on it must reload)."""
    before = {
        article.pk: sorted(article.tags.names(), key=str.lower)
        for article in Article.objects.select_for_update().filter(pk__in=article_ids)
    }
    write()
    changed_ids = []
    for article in Article.objects.filter(pk__in=article_ids).order_by("pk"):
        tags = sorted(article.tags.names(), key=str.lower)
        if tags == before.get(article.pk):
            continue
        claim_version(article)
        _save_revision(article, by=by, reason=reason, tags=tags)
        changed_ids.append(article.pk)
        audit(action, by=by, article=article, changed=["tags"], comment=reason)
    return len(changed_ids)


def _tagged_stories(tags: Iterable[Tag]) -> set[int]:
    return set(
        TaggedItem.objects.filter(
            tag__in=list(tags),
            content_type__app_label="articles",
            content_type__model="article",
        ).values_list("object_id", flat=True)
    )


def _require_tag_rights(by: User, *, delete: bool = False) -> None:
    allowed = permissions.can_delete_tags(by) if delete else permissions.can_manage_tags(by)
    if not allowed:
        raise ChangeRefused(
            "Tags are the desk's: only editors rename, merge or delete them. Change a story's "
            "tags on the story itself."
        )


def _tag_name(name: str) -> str:
    name = clean_text(name or "", one_line=True).strip()
    if not name:
        raise ChangeRefused("A tag needs a name.")
    limit = Tag._meta.get_field("name").max_length
    if len(name) > limit:
        raise ChangeRefused(f"A tag can be at most {limit} characters long.")
    return name


@through_the_door
def create_tag(name: str, *, by: User) -> Tag:
    """Add a tag to the list before any story carries it (editors only)."""
    _require_tag_rights(by)
    name = _tag_name(name)
    existing = Tag.objects.filter(name__iexact=name).first()
    if existing is not None:
        raise ChangeRefused(f"There is already a tag “{existing.name}”.")
    tag = Tag.objects.create(name=name)
    audit("library.add", by=by, subject=f"Tag “{name}”", changed=["tags"])
    return tag


@through_the_door
def rename_tag(tag: Tag, name: str, *, by: User) -> Tag:
    """Rename a tag on every story that carries it (editors only)."""
    _require_tag_rights(by)
    name = _tag_name(name)
    tag = Tag.objects.select_for_update().get(pk=tag.pk)
    clash = Tag.objects.filter(name__iexact=name).exclude(pk=tag.pk).first()
    if clash is not None:
        raise ChangeRefused(
            f"There is already a tag “{clash.name}”: merge the two instead of renaming."
        )
    old = tag.name
    if old == name:
        return tag
    stories = _tagged_stories([tag])

    def write() -> None:
        tag.name = name
        tag.save()

    reason = f"Tag “{old}” renamed “{name}”"
    _retag(stories, by=by, action="tag.rename", reason=reason, write=write)
    audit("tag.rename", by=by, subject=f"Tag “{old}”", changed=["tags"], comment=reason)
    announce(stories, {"tags"}, site_wide=True)
    return tag


@through_the_door
def merge_tags(tags: Iterable[Tag], into: str, *, by: User) -> Tag:
    """Give every story that carries one of `tags` the tag named `into` instead (found or made),
    and delete the others (editors only)."""
    _require_tag_rights(by, delete=True)
    merged = list(Tag.objects.select_for_update().filter(pk__in=[t.pk for t in tags]))
    if not merged:
        raise ChangeRefused("Choose the tags to merge.")
    into = _tag_name(into)
    stories = _tagged_stories(merged)
    target = Tag.objects.filter(name__iexact=into).first()
    names = ", ".join(f"“{t.name}”" for t in merged)

    def write() -> None:
        nonlocal target
        if target is None:
            target = Tag.objects.create(name=into)
        elif target.name != into:  # "raqqa" merged into "Raqqa": the name as the editor typed it
            target.name = into
            target.save()
        for article in Article.objects.filter(pk__in=stories):
            article.tags.add(target)
        for tag in merged:
            if tag.pk != target.pk:
                tag.delete()

    reason = f"Tags {names} merged into “{into}”"
    _retag(stories, by=by, action="tag.merge", reason=reason, write=write)
    audit("tag.merge", by=by, subject=f"Tag “{into}”", changed=["tags"], comment=reason)
    announce(stories, {"tags"}, site_wide=True)
    assert target is not None
    return target


@through_the_door
def delete_tag(tag: Tag, *, by: User) -> None:
    """Take a tag off every story and delete it (editors only)."""
    _require_tag_rights(by, delete=True)
    tag = Tag.objects.select_for_update().get(pk=tag.pk)
    stories = _tagged_stories([tag])
    reason = f"Tag “{tag.name}” deleted"
    _retag(stories, by=by, action="tag.delete", reason=reason, write=tag.delete)
    audit("tag.delete", by=by, subject=f"Tag “{tag.name}”", changed=["tags"], comment=reason)
    announce(stories, {"tags"}, site_wide=True)
