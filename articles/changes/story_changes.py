"""What a change of a story says (StoryChanges and its rows), the story as the database has
it (StoryState), and what the one would change on the other (changed_parts)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import models

from interviews.models import Exchange, Interview

from .. import permissions
from ..models import Article, Byline, Image, Section
from ..sanitize import sanitize_html
from ..text import clean_text


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
FOREIGN_KEYS: dict[str, type[Section] | type[Image]] = {"section": Section, "lead_image": Image}
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
    tags: list[str] | None = None
    if changes.tags is not None:
        tags = []
        for name in (clean_text(t, one_line=True).strip() for t in changes.tags):
            if name and name.lower() not in {t.lower() for t in tags}:
                tags.append(name)
    exchanges = None
    if changes.exchanges is not None:
        exchanges = [replace(row, **_cleaned_text(row)) for row in changes.exchanges]
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


def _cleaned_text(row: ExchangeRow) -> dict[str, Any]:
    return {name: clean_text(getattr(row, name)).strip() for name in EXCHANGE_TEXT}


def _default(name: str) -> Any:
    field_ = Article._meta.get_field(name)
    assert isinstance(field_, models.Field)  # a story's own column, by name
    if field_.is_relation or field_.null:
        return None
    return field_.get_default()
