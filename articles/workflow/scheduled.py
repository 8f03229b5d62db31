"""Scheduled stories going live at their time: what publish_scheduled runs every minute."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..changes import door, end_expired_embargoes
from ..models import Article
from .moves import (
    TRANSITIONS,
    TransitionNotAllowed,
    _apply,
    check_ready,
    check_translation_is_current,
)

Status = Article.Status


@dataclass
class DuePublication:
    """What publish_due() did: stories it published, and stories it had to leave, with why."""

    published: list[Article] = field(default_factory=list)
    refused: list[tuple[Article, str]] = field(default_factory=list)
    embargoes_ended: list[Article] = field(default_factory=list)


def publish_due(*, now: datetime | None = None) -> DuePublication:
    """Publish every scheduled story whose time has come, on behalf of the scheduler, and end
    the embargoes whose time has come (a story held by one is not due until then).

    The editor who scheduled the story made the decision; the audit row records no person.
    Safe to run at any moment and as often as wanted: a story is published once, because the
    move is the same conditional UPDATE transition() uses.
    """
    now = now or timezone.now()
    spec = TRANSITIONS["publish"]
    result = DuePublication()
    # A story held by an embargo is not due before its time; once it comes, the story goes live
    # below, then its embargo is ended (audited and announced) after the loop.
    due = Article.objects.filter(status=Status.SCHEDULED, published_at__lte=now).exclude(
        embargo_until__gt=now
    )
    for pk in due.values_list("pk", flat=True):
        with door(), transaction.atomic():
            current = Article.objects.select_for_update().get(pk=pk)
            if (
                current.status != Status.SCHEDULED
                or current.published_at is None
                or current.published_at > now
            ):
                continue  # another run, or an editor, got there first
            try:
                check_translation_is_current(current)
                check_ready(current, spec, publish_at=None, now=now)
            except TransitionNotAllowed as refusal:
                result.refused.append((current, str(refusal)))
                continue
            try:
                _apply(
                    current,
                    spec,
                    by=None,
                    comment="Published at its scheduled time.",
                    publish_at=None,
                    now=now,
                )
            except TransitionNotAllowed:
                continue
        current.refresh_from_db()
        result.published.append(current)
    result.embargoes_ended = end_expired_embargoes(now=now)
    return result
