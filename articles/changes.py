"""The one door: every change to a story, or to what readers see of it, goes through here.

Each function takes the person making the change as the keyword-only `by` and, in one
transaction:

1. locks the story and asks articles/permissions.py about it *as it was before the change*, so
   that an import cannot first make someone an owner and then ask whether they are one;
2. claims the story's version (claim_version): a form loaded before someone else's change is
   refused, naming them, and what was typed stays with the person;
3. writes, with text normalised (articles/text.py) and the body sanitised;
4. records the revision (a historical row of the story, with its tags) and the audit row
   (AuditEntry; a workflow move's is the StatusChange that articles/workflow.py writes, which is
   the door's workflow half);
5. announces the change once, with story_changed. What is derived from stories (the page cache,
   the search index, translation staleness) listens there, connected in articles/apps.py.

A refusal raises ChangeRefused (a PermissionDenied) having written nothing; its message is safe
to show the person and never names a story they may not open. While a request is handled,
WriteGuard refuses any write to the story tables that does not come through here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history
from taggit.models import Tag, TaggedItem

from interviews.markup import clean_answer
from interviews.models import Exchange, Interview

from . import body_media, image_files, permissions
from .models import (
    Article,
    AuditEntry,
    Byline,
    Contributor,
    Correction,
    Image,
    Section,
    StatusChange,
)
from .sanitize import sanitize_html
from .slugs import unique_slug
from .text import clean_text, clean_values

Status = Article.Status

# Sent once per change, inside its transaction, after everything is written. Arguments:
# article_ids (frozenset of the stories changed), changed (frozenset of field and part names, as
# in articles/permissions.py, plus "status", "corrections", "review", "library"), site_wide (True
# when something every page shows changed: a section, a contributor, an image, a tag).
story_changed = Signal()


class ChangeRefused(PermissionDenied):
    """The change is not allowed, or not as given; nothing was written. Say the message."""


class EditConflict(ChangeRefused):
    """Someone else changed the story after this person loaded it."""


# --- The door's own bookkeeping -----------------------------------------------------------------

_inside = ContextVar("inside_the_door", default=0)


@contextmanager
def door() -> Iterator[None]:
    """Mark the writes made in this block as the door's (see WriteGuard)."""
    token = _inside.set(_inside.get() + 1)
    try:
        yield
    finally:
        _inside.reset(token)


def is_inside() -> bool:
    return _inside.get() > 0


def through_the_door(function: Callable[..., Any]) -> Callable[..., Any]:
    """Run `function` as part of the door, in one transaction."""

    def wrapper(*args, **kwargs):
        with door(), transaction.atomic():
            return function(*args, **kwargs)

    wrapper.__name__ = function.__name__
    wrapper.__qualname__ = function.__qualname__
    wrapper.__doc__ = function.__doc__
    wrapper.__wrapped__ = function  # type: ignore[attr-defined]
    return wrapper


def announce(article_ids: Iterable[int], changed: Iterable[str], *, site_wide: bool = False):
    """Tell what is derived from stories that these changed (once per change)."""
    story_changed.send(
        sender=Article,
        article_ids=frozenset(i for i in article_ids if i is not None),
        changed=frozenset(changed),
        site_wide=site_wide,
    )


def audit(
    action: str,
    *,
    by: AbstractBaseUser | None,
    article: Article | None = None,
    subject: str = "",
    changed: Iterable[str] = (),
    comment: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        article=article,
        subject=(subject or (article.headline if article else ""))[:300],
        changed=sorted(changed),
        comment=comment,
        by=by if by is not None and by.is_authenticated else None,
    )


def claim_version(
    article: Article,
    *,
    expected: int | None = None,
    where: dict[str, object] | None = None,
    also: dict[str, object] | None = None,
) -> bool:
    """Take the next version of `article` if it is still at `expected` (its own version when not
    given) and matches `where`, writing `also` in the same conditional UPDATE; False if another
    change got there first. The one place the optimistic lock is taken."""
    expected = article.version if expected is None else expected
    claimed = Article.objects.filter(pk=article.pk, version=expected, **(where or {})).update(
        version=expected + 1, **(also or {})
    )
    if claimed:
        article.version = expected + 1
    return bool(claimed)


def edit_conflict_message(article: Article) -> str:
    """Who changed `article` last and when (a save or a workflow move), said to someone whose
    change came second."""
    latest = article.history.select_related("history_user").first()
    moved = article.status_changes.select_related("changed_by").order_by("-changed_at").first()
    verb = "saved"
    if latest is None and moved is None:
        who, when = "Someone", "just now"
    else:
        if moved is not None and (latest is None or moved.changed_at > latest.history_date):
            user, at = moved.changed_by, moved.changed_at
            verb = {"publish": "published", "schedule": "scheduled", "withdraw": "withdrew"}.get(
                moved.transition, f"moved ({moved.get_to_status_display().lower()})"
            )
        else:
            user, at = latest.history_user, latest.history_date
        who = (user.get_full_name() or user.get_username()) if user else "Someone"
        when = f"at {timezone.localtime(at):%H:%M on %d %B %Y}"
    return (
        f"{who} {verb} this story {when}, after you opened it. Your changes have not been saved; "
        "they are still in the form below. Copy what you need, reload the story to see the "
        "saved version, and make your changes again."
    )


def _lock(article: Article | int) -> Article:
    pk = article if isinstance(article, int) else article.pk
    return Article.objects.select_for_update().get(pk=pk)


# --- What a change of a story says --------------------------------------------------------------


@dataclass(frozen=True)
class BylineRow:
    """A credit: a contributor by id, or by name (found, or added to the library)."""

    role: str
    contributor_id: int | None = None
    name: str = ""


@dataclass(frozen=True)
class ExchangeRow:
    """A question and its answer. `pk` names an exchange of this story changed in place; without
    it the exchange is new. `position` None puts it after the others."""

    question: str
    answer: str
    question_original: str = ""
    answer_original: str = ""
    pk: int | None = None
    position: int | None = None


@dataclass(frozen=True)
class Interviewee:
    name: str
    description: str = ""


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


@dataclass(frozen=True)
class NewSection:
    """A section named in copy: the one of that name, or a new one if the person may add it."""

    name: str


@dataclass
class StoryChanges:
    """What a change sets. Anything left out (None, or KEEP for the interviewee) stays as it is.

    `fields` holds story fields by name (STORY_FIELDS in articles/permissions.py): the section
    and the lead image as objects, ids or None, the section also as a NewSection.
    """

    fields: dict[str, Any] = field(default_factory=dict)
    tags: list[str] | None = None
    bylines: list[BylineRow] | None = None
    interviewee: Any = KEEP  # Interviewee, None to remove, or KEEP
    exchanges: list[ExchangeRow] | None = None
    loaded_version: int | None = None


TEXT_FIELDS = ("headline", "slug", "dek", "body", "source_headline", "source_dek", "source_body")
ONE_LINE = frozenset({"headline", "slug", "source_headline"})
FOREIGN_KEYS = {"section": Section, "lead_image": Image}
EXCHANGE_TEXT = ("question", "answer", "question_original", "answer_original")
# Exchanges are parked here while they change places: above any position a story can have.
PARKING = 20_000


@dataclass(frozen=True)
class StoryState:
    """A story's fields and parts as the database has them: what a change is compared with."""

    fields: dict[str, Any]
    tags: tuple[str, ...]
    bylines: tuple[tuple[int, str], ...]
    interviewee: Interviewee | None
    exchanges: tuple[ExchangeRow, ...]


def state_of(article: Article) -> StoryState:
    fields = {}
    for name in permissions.STORY_FIELDS - {"tags"}:
        attname = f"{name}_id" if name in FOREIGN_KEYS else name
        fields[name] = getattr(article, attname)
    interview = Interview.objects.filter(article_id=article.pk).first()
    return StoryState(
        fields=fields,
        tags=tuple(sorted(article.tags.names(), key=str.lower)),
        bylines=tuple(
            (b.contributor_id, b.role) for b in Byline.objects.filter(article_id=article.pk)
        ),
        interviewee=(
            Interviewee(interview.interviewee_name, interview.interviewee_description)
            if interview
            else None
        ),
        exchanges=tuple(
            ExchangeRow(
                question=e.question,
                answer=e.answer,
                question_original=e.question_original,
                answer_original=e.answer_original,
                pk=e.pk,
                position=e.position,
            )
            for e in Exchange.objects.filter(article_id=article.pk).order_by("position")
        ),
    )


def _id_of(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def _same_tags(a: Iterable[str], b: Iterable[str]) -> bool:
    # Tags are case-insensitive here (TAGGIT_CASE_INSENSITIVE): "Raqqa" is the tag "raqqa".
    return sorted({t.lower() for t in a}) == sorted({t.lower() for t in b})


def _normalised(changes: StoryChanges) -> StoryChanges:
    """The change with every text cleaned as the door stores it, so that comparing with the
    story sees only real differences."""
    fields = dict(changes.fields)
    for name in TEXT_FIELDS:
        if isinstance(fields.get(name), str):
            fields[name] = clean_text(fields[name], one_line=name in ONE_LINE).strip()
    if isinstance(fields.get("body"), str):
        fields["body"] = sanitize_html(fields["body"])
    tags = None
    if changes.tags is not None:
        tags = []
        for name in (clean_text(t, one_line=True).strip() for t in changes.tags):
            if name and name.lower() not in {t.lower() for t in tags}:
                tags.append(name)
    exchanges = None
    if changes.exchanges is not None:
        exchanges = [
            replace(row, **{name: clean_text(getattr(row, name)).strip() for name in EXCHANGE_TEXT})
            for row in changes.exchanges
        ]
    interviewee = changes.interviewee
    if isinstance(interviewee, Interviewee):
        interviewee = Interviewee(
            clean_text(interviewee.name, one_line=True).strip(),
            clean_text(interviewee.description, one_line=True).strip(),
        )
    bylines = None
    if changes.bylines is not None:
        bylines = [
            replace(b, name=clean_text(b.name, one_line=True).strip()) for b in changes.bylines
        ]
    return replace(
        changes,
        fields=fields,
        tags=tags,
        exchanges=exchanges,
        interviewee=interviewee,
        bylines=bylines,
    )


def _keep_what_forms_round(changes: StoryChanges, state: StoryState) -> None:
    """A form shows the publication time to the second: sent back untouched, it is the same
    time, not a change (which would be a revision, and refused to anyone but an editor)."""
    sent, stored = changes.fields.get("published_at"), state.fields.get("published_at")
    if sent is not None and stored is not None and sent == stored.replace(microsecond=0):
        changes.fields["published_at"] = stored


def changed_parts(before: StoryState | None, changes: StoryChanges) -> set[str]:
    """The names (fields and parts) that `changes` would change on a story now at `before`."""
    changed: set[str] = set()
    empty = StoryState(fields={}, tags=(), bylines=(), interviewee=None, exchanges=())
    old = before or empty
    for name, value in changes.fields.items():
        if name not in permissions.STORY_FIELDS or name == "tags":
            raise ValueError(f"{name!r} is not a story field the door writes")
        new = _id_of(value)
        if isinstance(new, NewSection) or new != old.fields.get(name, _default(name)):
            changed.add(name)
    if changes.tags is not None and not _same_tags(changes.tags, old.tags):
        changed.add("tags")
    if changes.bylines is not None:
        named = [(b.contributor_id, b.role) for b in changes.bylines]
        if any(b.contributor_id is None for b in changes.bylines) or tuple(named) != old.bylines:
            changed.add("bylines")
    if changes.interviewee is not KEEP and changes.interviewee != old.interviewee:
        changed.add("interviewee")
    if changes.exchanges is not None:
        kept = {row.pk: row for row in old.exchanges}
        new_rows = changes.exchanges
        if [r.pk for r in new_rows] != [r.pk for r in old.exchanges] or any(
            r.position is not None and r.position != kept[r.pk].position
            for r in new_rows
            if r.pk in kept
        ):
            changed.add("exchanges")
        for row in new_rows:
            if row.pk in kept and any(
                getattr(row, name) != getattr(kept[row.pk], name) for name in EXCHANGE_TEXT
            ):
                changed.add("exchange_text")
    return changed


def _default(name: str) -> Any:
    field_ = Article._meta.get_field(name)
    if field_.is_relation or field_.null:
        return None
    return field_.get_default()


# --- Stories ------------------------------------------------------------------------------------


@through_the_door
def create_story(
    changes: StoryChanges, *, by: AbstractBaseUser, action: str = "story.create", reason: str = ""
) -> Article:
    """Add a story as a draft of `by`'s, with what `changes` says."""
    changes = _normalised(changes)
    changed = changed_parts(None, changes)
    refusal = permissions.change_refusal(by, None, changed | {"headline"})
    if refusal:
        raise ChangeRefused(refusal)
    article = Article(created_by=by)
    _write(article, None, changes, changed, by=by, reason=reason)
    audit(action, by=by, article=article, changed=changed, comment=reason)
    announce([article.pk], changed)
    return article


@through_the_door
def edit_story(
    article: Article,
    changes: StoryChanges,
    *,
    by: AbstractBaseUser,
    action: str = "story.edit",
    reason: str = "",
) -> tuple[Article, set[str]]:
    """Apply `changes` to `article` for `by`; returns the story as saved and what changed.

    A change that changes nothing writes nothing. Raises ChangeRefused (EditConflict when
    someone else changed the story since `changes.loaded_version`) having written nothing.
    """
    before = _lock(article)
    changes = _normalised(changes)
    state = state_of(before)
    _keep_what_forms_round(changes, state)
    changed = changed_parts(state, changes)
    if not changed:
        return before, changed
    refusal = permissions.change_refusal(by, before, changed)
    if refusal:
        raise ChangeRefused(refusal)
    if changes.loaded_version is not None and changes.loaded_version != before.version:
        raise EditConflict(edit_conflict_message(before))
    if not claim_version(before):
        raise EditConflict(edit_conflict_message(before))
    _write(before, state, changes, changed, by=by, reason=reason)
    audit(action, by=by, article=before, changed=changed, comment=reason)
    announce([before.pk], changed)
    return before, changed


def _write(
    article: Article,
    state: StoryState | None,
    changes: StoryChanges,
    changed: set[str],
    *,
    by: AbstractBaseUser,
    reason: str,
) -> None:
    """Write a checked change: the story (its revision row first), then its parts."""
    fields = dict(changes.fields)
    section = fields.get("section")
    if isinstance(section, NewSection):
        fields["section"] = _section_named(section.name, by=by)
    for name, value in fields.items():
        if name in FOREIGN_KEYS:
            setattr(article, f"{name}_id", _id_of(value))
        else:
            setattr(article, name, value)
    _check_publication_time(article, state)
    _check_parts_fit_the_kind(article, state, changes)
    if "body" in changed:
        before_body = state.fields["body"] if state else ""
        refusal = body_media.picture_refusal(article.body, before_body, by=by, images=Image.objects)
        if refusal:
            raise ChangeRefused(refusal)
    if not article.headline:
        raise ChangeRefused("A story needs a headline.")
    if not article.slug:
        article.slug = unique_slug(Article, article.headline, max_length=80, exclude_pk=article.pk)
    elif "slug" in changed and _address_is_taken(article):
        raise ChangeRefused(
            f"The address {reverse('articles:detail', args=[article.slug])} is taken by another "
            "story: choose another."
        )
    tags = changes.tags if changes.tags is not None else list(state.tags if state else ())
    try:
        with transaction.atomic():
            _save_revision(article, by=by, reason=reason, tags=tags)
    except IntegrityError:
        # Two new stories given one address at the same moment: the database took the first.
        if _address_is_taken(article):
            raise ChangeRefused(
                f"The address {reverse('articles:detail', args=[article.slug])} was taken just "
                "now by another story: choose another."
            ) from None
        raise
    if "tags" in changed:
        article.tags.set(changes.tags or [])
    if "bylines" in changed:
        _write_bylines(article, changes.bylines or [], by=by)
    if "interviewee" in changed:
        _write_interviewee(article, changes.interviewee, by=by)
    if changed & {"exchanges", "exchange_text"}:
        _write_exchanges(article, state, changes.exchanges or [], by=by)


def _address_is_taken(article: Article) -> bool:
    return Article.objects.filter(slug=article.slug).exclude(pk=article.pk).exists()


def _check_parts_fit_the_kind(
    article: Article, state: StoryState | None, changes: StoryChanges
) -> None:
    """Questions, answers and an interviewee belong to interviews: the pages of other kinds do
    not show them, so they must not be kept there, unseen but searchable."""
    if article.kind == Article.Kind.INTERVIEW:
        return
    exchanges = changes.exchanges if changes.exchanges is not None else (state and state.exchanges)
    interviewee = (
        changes.interviewee if changes.interviewee is not KEEP else (state and state.interviewee)
    )
    if exchanges or interviewee:
        raise ChangeRefused(
            f"A story of the kind {article.get_kind_display().lower()} has no questions, answers "
            "or interviewee: remove them, or keep the kind Interview."
        )


def _check_publication_time(article: Article, state: StoryState | None) -> None:
    """A story in front of readers keeps a publication time, and one in the past: Publish means
    readable now (a later time is what Schedule is for)."""
    if article.status not in Article.LIVE_STATES:
        return
    if article.published_at is None:
        raise ChangeRefused(
            f"A story that is {article.get_status_display().lower()} needs its publication time."
        )
    if article.status == Status.PUBLISHED and article.published_at > timezone.now():
        raise ChangeRefused(
            "A published story's publication time cannot be in the future. To take it off the "
            "site until then, withdraw it and schedule it again."
        )


def _save_revision(
    article: Article, *, by: AbstractBaseUser | None, reason: str, tags: list[str]
) -> None:
    """Save the story itself, which writes its revision row, carrying the tags."""
    article._history_user = by if by is not None and by.is_authenticated else None
    article._change_reason = reason or None
    article._revision_tags = sorted(tags, key=str.lower)
    try:
        article.save()
    finally:
        del article._revision_tags


def keep_revision_tags(sender, *, instance, history_instance, **kwargs) -> None:
    """A story's revision row carries the tags the door saved it with (articles/apps.py)."""
    tags = getattr(instance, "_revision_tags", None)
    if isinstance(instance, Article) and tags is not None:
        history_instance.tag_names = tags


def _section_named(name: str, *, by: AbstractBaseUser) -> Section:
    existing = Section.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing
    if not permissions.can_change_library(by, Section, "add"):
        raise ChangeRefused(
            f"There is no section “{name}”, and only editors add sections. Name an existing "
            "section or leave the section out."
        )
    section = Section(name=name)
    section.save()
    audit("library.add", by=by, subject=f"Section “{name}”", changed=["section"])
    return section


def _contributor_named(name: str, *, by: AbstractBaseUser) -> Contributor:
    existing = Contributor.objects.filter(name__iexact=name).order_by("pk").first()
    if existing is not None:
        return existing
    if not permissions.can_change_library(by, Contributor, "add"):
        raise ChangeRefused(f"There is no contributor “{name}”, and you may not add one.")
    contributor = Contributor(name=name)
    contributor.save()
    audit("library.add", by=by, subject=f"Contributor “{name}”", changed=["contributor"])
    return contributor


def _write_bylines(article: Article, rows: list[BylineRow], *, by: AbstractBaseUser) -> None:
    """Make the story's credits `rows`, in that order: a credit already there (the same person in
    the same role) keeps its row and moves, the others are added or deleted."""
    user = by if by.is_authenticated else None
    wanted: list[tuple[int, str]] = []
    for row in rows:
        contributor_id = row.contributor_id
        if contributor_id is None:
            contributor_id = _contributor_named(row.name, by=by).pk
        if (contributor_id, row.role) not in wanted:
            wanted.append((contributor_id, row.role))
    existing = {(b.contributor_id, b.role): b for b in Byline.objects.filter(article=article)}
    for key, byline in existing.items():
        if key not in wanted:
            byline._history_user = user
            byline.delete()
    moving = [
        existing[key].pk
        for position, key in enumerate(wanted)
        if key in existing and existing[key].position != position
    ]
    for offset, pk in enumerate(moving):  # parked first, as exchanges are (_write_exchanges)
        Byline.objects.filter(pk=pk).update(position=PARKING + offset)
    for position, (contributor_id, role) in enumerate(wanted):
        byline = existing.get((contributor_id, role))
        if byline is not None and byline.position == position:
            continue
        if byline is None:
            byline = Byline(article=article, contributor_id=contributor_id, role=role)
        byline.position = position
        byline._history_user = user
        byline.save()


def _write_interviewee(article: Article, interviewee: Any, *, by: AbstractBaseUser) -> None:
    user = by if by.is_authenticated else None
    current = Interview.objects.filter(article=article).first()
    if interviewee is None:
        if current is not None:
            current._history_user = user
            current.delete()
        return
    if not interviewee.name:
        raise ChangeRefused("The interviewee needs a name.")
    row = current or Interview(article=article)
    row.interviewee_name = interviewee.name
    row.interviewee_description = interviewee.description
    row._history_user = user
    row.save(force_insert=current is None)


def _write_exchanges(
    article: Article, state: StoryState | None, rows: list[ExchangeRow], *, by: AbstractBaseUser
) -> None:
    """Make the story's exchanges `rows`: change the ones named in place, add the new, delete the
    rest, in the order given (explicit positions kept, the others after them)."""
    user = by if by.is_authenticated else None
    existing = {e.pk: e for e in Exchange.objects.filter(article=article)}
    foreign = [row.pk for row in rows if row.pk is not None and row.pk not in existing]
    if foreign:
        raise ChangeRefused("Some of these questions do not belong to this story.")
    for row in rows:
        if not row.question or not row.answer:
            raise ChangeRefused("Every exchange needs a question and an answer.")
    used = [row.position for row in rows if row.position is not None]
    if len(used) != len(set(used)):
        raise ChangeRefused("Two questions have the same position: give each its own number.")
    following = max(used, default=0) + 1
    placed: list[tuple[int, ExchangeRow]] = []
    for row in rows:
        if row.position is None:
            placed.append((following, row))
            following += 1
        else:
            placed.append((row.position, row))
    if following > PARKING:
        raise ChangeRefused("A story can have at most a few thousand questions.")
    kept = {row.pk for _, row in placed if row.pk is not None}
    for pk, exchange in existing.items():
        if pk not in kept:
            exchange._history_user = user
            exchange.delete()
    # Two exchanges may swap places: the database allows no two at one position even for an
    # instant, so the ones that move wait above every number first (a plain UPDATE: the parking
    # spot is not a revision anyone needs to see).
    moving = [
        row.pk
        for position, row in placed
        if row.pk is not None and existing[row.pk].position != position
    ]
    for offset, pk in enumerate(moving):
        Exchange.objects.filter(pk=pk).update(position=PARKING + offset)
    added = []
    for position, row in placed:
        exchange = existing.get(row.pk) if row.pk is not None else None
        values = {name: getattr(row, name) for name in EXCHANGE_TEXT}
        values["answer"] = clean_answer(values["answer"])  # italics and links, nothing else
        if exchange is None:
            added.append(Exchange(article=article, position=position, **values))
            continue
        if exchange.position == position and all(
            getattr(exchange, name) == value for name, value in values.items()
        ):
            continue
        exchange.position = position
        for name, value in values.items():
            setattr(exchange, name, value)
        exchange._history_user = user
        exchange.save()
    # New exchanges in two INSERTs however many there are (a 200-question import), each with
    # its historical row: a revision without them would delete them all when restored.
    bulk_create_with_history(added, Exchange, default_user=user)


@through_the_door
def delete_story(article: Article, *, by: AbstractBaseUser) -> None:
    """Delete a story for good (editors only); the audit row keeps its headline."""
    before = _lock(article)
    if not permissions.can_view_article(by, before):
        raise ChangeRefused(permissions.NOT_YOURS)
    if not permissions.can_delete_article(by, before):
        raise ChangeRefused("Only editors delete stories. Withdraw it, or ask an editor.")
    pk = before.pk
    audit("story.delete", by=by, subject=before.headline, changed=["story"])
    before._history_user = by
    before.delete()
    announce([pk], {"story"}, site_wide=True)


@through_the_door
def add_correction(article: Article, text: str, *, by: AbstractBaseUser) -> Correction:
    """Append a dated public correction to a story readers have seen (editors only)."""
    before = _lock(article)
    if not permissions.can_view_article(by, before):
        raise ChangeRefused(permissions.NOT_YOURS)
    if not permissions.can_add_correction(by, before):
        raise ChangeRefused(
            "Corrections are added by editors, to stories that have been published."
        )
    text = clean_text(text or "").strip()
    if not text:
        raise ChangeRefused("A correction needs its text.")
    correction = Correction.objects.create(article=before, text=text, created_by=by)
    audit("correction.add", by=by, article=before, changed=["corrections"], comment=text)
    announce([before.pk], {"corrections"})
    return correction


@through_the_door
def restore_revision(article: Article, revision: Any, *, by: AbstractBaseUser) -> Article:
    """Write an earlier revision's words, credits, exchanges and tags back as a new revision.

    Never the workflow state, which only articles/workflow.py moves. Refused, having changed
    nothing, when the revision's address has since gone to another story.
    """
    before = _lock(article)
    if not permissions.can_view_article(by, before):
        raise ChangeRefused(permissions.NOT_YOURS)
    if not permissions.can_restore_revision(by, before):
        raise ChangeRefused("Only editors restore revisions.")
    slug = revision.fields["slug"]
    holder = Article.objects.filter(slug=slug).exclude(pk=before.pk).first()
    if holder is not None:
        raise ChangeRefused(
            f"Revision {revision.number} was not restored: its address "
            f"{reverse('articles:detail', args=[slug])} now belongs to “{holder.headline}”. "
            "Change that story's address first."
        )
    fields: dict[str, Any] = {}
    for attname, value in revision.fields.items():
        name = attname.removesuffix("_id")
        model = FOREIGN_KEYS.get(name)
        if model is not None and value is not None and not model.objects.filter(pk=value).exists():
            value = None  # removed from the library since
        fields[name] = value
    contributors = set(
        Contributor.objects.filter(
            pk__in=[b["contributor_id"] for b in revision.bylines]
        ).values_list("pk", flat=True)
    )
    when = timezone.localtime(revision.at)
    reason = f"Restored revision {revision.number} of {when:%Y-%m-%d %H:%M}"
    changes = StoryChanges(
        fields=fields,
        tags=revision.tags,
        bylines=[
            BylineRow(role=b["role"], contributor_id=b["contributor_id"])
            for b in revision.bylines
            if b["contributor_id"] in contributors
        ],
        interviewee=(
            Interviewee(
                revision.interview["interviewee_name"],
                revision.interview["interviewee_description"],
            )
            if revision.interview
            else None
        ),
        # Written afresh: a restore brings back the exchanges as they were, not as they are.
        exchanges=[
            ExchangeRow(**{name: e[name] for name in EXCHANGE_TEXT}, position=e["position"])
            for e in revision.exchanges
        ],
    )
    restored, changed = edit_story(before, changes, by=by, action="story.restore", reason=reason)
    return restored


# --- Workflow, translation review, imports ------------------------------------------------------


@through_the_door
def confirm_translation(article: Article, *, by: AbstractBaseUser, keys: set[str]) -> int:
    """Confirm the translation of the segments `keys` of a story past translation review against
    their present source, so that it may be published; returns how many."""
    from . import translation

    before = _lock(article)
    if not permissions.can_view_article(by, before):
        raise ChangeRefused(permissions.NOT_YOURS)
    if not permissions.can_review_translation(by, before):
        raise ChangeRefused("You cannot confirm this translation now.")
    count = translation.record_review(before, by=by, keys=keys)
    audit("translation.confirm", by=by, article=before, changed=["review"], comment=f"{count} seg.")
    announce([before.pk], {"review"})
    return count


# --- Tags ----------------------------------------------------------------------------------------


def _retag(
    article_ids: set[int], *, by: AbstractBaseUser, action: str, reason: str, write: Callable
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


def _require_tag_rights(by: AbstractBaseUser, *, delete: bool = False) -> None:
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
def create_tag(name: str, *, by: AbstractBaseUser) -> Tag:
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
def rename_tag(tag: Tag, name: str, *, by: AbstractBaseUser) -> Tag:
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
def merge_tags(tags: Iterable[Tag], into: str, *, by: AbstractBaseUser) -> Tag:
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
def delete_tag(tag: Tag, *, by: AbstractBaseUser) -> None:
    """Take a tag off every story and delete it (editors only)."""
    _require_tag_rights(by, delete=True)
    tag = Tag.objects.select_for_update().get(pk=tag.pk)
    stories = _tagged_stories([tag])
    reason = f"Tag “{tag.name}” deleted"
    _retag(stories, by=by, action="tag.delete", reason=reason, write=tag.delete)
    audit("tag.delete", by=by, subject=f"Tag “{tag.name}”", changed=["tags"], comment=reason)
    announce(stories, {"tags"}, site_wide=True)


# --- The library: sections, contributors, images ------------------------------------------------


def stories_showing(obj: models.Model) -> set[int]:
    """The stories whose pages show this library item (their search text, their cards)."""
    if isinstance(obj, Contributor):
        return set(Byline.objects.filter(contributor=obj).values_list("article_id", flat=True))
    if isinstance(obj, Image):
        return set(Article.objects.filter(lead_image=obj).values_list("pk", flat=True))
    if isinstance(obj, Section):
        return set()  # every page lists sections: site_wide says so
    return set()


@through_the_door
def save_library_item(
    obj: models.Model, *, by: AbstractBaseUser, changed: Iterable[str] = ()
) -> models.Model:
    """Add or change a section, a contributor or an image, as the person's role allows."""
    adding = obj._state.adding
    if not permissions.can_change_library(by, type(obj), "add" if adding else "change"):
        raise ChangeRefused(
            f"You may not {'add' if adding else 'change'} {obj._meta.verbose_name_plural}."
        )
    if isinstance(obj, Contributor) and not permissions.is_editor(by):
        linked = None if adding else Contributor.objects.filter(pk=obj.pk).values("user_id")
        if obj.user_id != (linked[0]["user_id"] if linked else None):
            # Credited on a story means owning it: only the desk says whose account a name is.
            raise ChangeRefused("Only editors link a contributor to a staff account.")
    if isinstance(obj, Image) and adding:
        obj.uploaded_by = by
    texts = {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if isinstance(getattr(obj, field.attname), str)
    }
    for name, value in clean_values(texts, model=type(obj)).items():
        setattr(obj, name, value)
    if isinstance(obj, Image):
        image_files.delete_replaced_file(obj)  # once this commits: a replaced picture goes
    obj.save()
    label = f"{obj._meta.verbose_name.capitalize()} “{obj}”"
    audit("library.add" if adding else "library.change", by=by, subject=label, changed=changed)
    announce(stories_showing(obj), {"library"}, site_wide=True)
    return obj


@through_the_door
def delete_library_item(obj: models.Model, *, by: AbstractBaseUser) -> None:
    """Delete a section, a contributor or an image, as the person's role allows. A section or a
    contributor that stories still use is refused; an image is taken off the stories using it."""
    if not permissions.can_change_library(by, type(obj), "delete"):
        raise ChangeRefused(f"You may not delete {obj._meta.verbose_name_plural}.")
    stories = stories_showing(obj)
    label = f"{obj._meta.verbose_name.capitalize()} “{obj}”"
    try:
        with transaction.atomic():
            if isinstance(obj, Image):
                image_files.delete_stored_files(obj)  # the file and its renditions, once committed
            obj.delete()
    except models.ProtectedError:
        raise ChangeRefused(f"{label} is still used by stories, so it was not deleted.") from None
    audit("library.delete", by=by, subject=label)
    announce(stories, {"library"}, site_wide=True)


# --- Whole archives ------------------------------------------------------------------------------


def announce_restored_archive() -> None:
    """After an archive is restored: every story changed at once. Its translation staleness came
    with it, so only what archives do not carry follows (the page cache, the search vectors)."""
    announce(Article.objects.values_list("pk", flat=True), {"restore"}, site_wide=True)


# --- The guard -----------------------------------------------------------------------------------

# The tables only the door writes: stories, their parts, their history and audit, the library.
GUARDED_MODELS: tuple[type[models.Model], ...] = (
    Article,
    Byline,
    Correction,
    StatusChange,
    AuditEntry,
    Section,
    Contributor,
    Image,
    Exchange,
    Interview,
    Tag,
    TaggedItem,
)


def guarded_tables() -> frozenset[str]:
    from .models import ReviewedSegment

    tables = {model._meta.db_table for model in (*GUARDED_MODELS, ReviewedSegment)}
    for model in GUARDED_MODELS:
        history = getattr(model, "history", None)
        if history is not None:
            tables.add(history.model._meta.db_table)
    return frozenset(tables)


WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[\"`]?(\w+)", re.IGNORECASE)


class DoorBypassed(RuntimeError):
    """A write to a story table that did not come through articles/changes.py."""


class WriteGuard:
    """A database execute wrapper that refuses writes to the story tables outside the door.

    Installed for every request (newsroom/middleware.py) and by the tests that walk every write
    path, so that a path added later, or an admin action a library registers, cannot change a
    story without the door's checks, revision and audit row.
    """

    def __init__(self) -> None:
        self.tables = guarded_tables()

    def __call__(self, execute, sql, params, many, context):
        if not is_inside():
            match = WRITE.match(sql)
            if match and match.group(1).lower() in self.tables:
                raise DoorBypassed(
                    f"A write to {match.group(1)} did not come through the door "
                    "(articles/changes.py)."
                )
        return execute(sql, params, many, context)


class WriteGuardMiddleware:
    """Every request runs under WriteGuard, on every database it may use."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        self.guard: WriteGuard | None = None

    def __call__(self, request):
        from contextlib import ExitStack

        from django.db import connections

        if self.guard is None:  # the tables are known once every app is loaded
            self.guard = WriteGuard()
        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(self.guard))
            return self.get_response(request)
