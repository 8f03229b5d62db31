"""Writing a story's parts: its credits, its interviewee, its exchanges, and the sections and
contributors that copy names and the library does not have yet."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from simple_history.utils import bulk_create_with_history

from interviews.markup import clean_answer
from interviews.models import Exchange, Interview

from .. import permissions
from ..models import Article, Byline, Contributor, Section
from .bookkeeping import ChangeRefused, audit
from .story_changes import EXCHANGE_TEXT, PARKING, BylineRow, ExchangeRow, StoryState


def _section_named(name: str, *, by: User) -> Section:
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


def _contributor_named(name: str, *, by: User) -> Contributor:
    existing = Contributor.objects.filter(name__iexact=name).order_by("pk").first()
    if existing is not None:
        return existing
    if not permissions.can_change_library(by, Contributor, "add"):
        raise ChangeRefused(f"There is no contributor “{name}”, and you may not add one.")
    contributor = Contributor(name=name)
    contributor.save()
    audit("library.add", by=by, subject=f"Contributor “{name}”", changed=["contributor"])
    return contributor


def _write_bylines(article: Article, rows: list[BylineRow], *, by: User) -> None:
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
        found = existing.get((contributor_id, role))
        if found is not None and found.position == position:
            continue
        byline = found or Byline(article=article, contributor_id=contributor_id, role=role)
        byline.position = position
        byline._history_user = user
        byline.save()


def _write_interviewee(article: Article, interviewee: Any, *, by: User) -> None:
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
    article: Article, state: StoryState | None, rows: list[ExchangeRow], *, by: User
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
    for pk, gone in existing.items():
        if pk not in kept:
            gone._history_user = user
            gone.delete()
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
    added: list[Exchange] = []
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
