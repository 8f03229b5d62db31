"""The door's own bookkeeping: its refusals, marking the writes made inside it (which
WriteGuard lets through), the audit row, the version claim and the lock on a story."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import ParamSpec, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ..models import Article, AuditEntry

P = ParamSpec("P")
R = TypeVar("R")


class ChangeRefused(PermissionDenied):
    """The change is not allowed, or not as given; nothing was written. Say the message."""


class EditConflict(ChangeRefused):
    """Someone else changed the story after this person loaded it."""


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


def through_the_door(function: Callable[P, R]) -> Callable[P, R]:
    """Run `function` as part of the door, in one transaction."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with door(), transaction.atomic():
            return function(*args, **kwargs)

    return wrapper


def audit(
    action: str,
    *,
    by: User | None,
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
