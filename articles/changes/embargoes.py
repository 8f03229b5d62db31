"""Embargoes: a story held back from readers until a time ("not before"), with the desk's note.

Until the time no public path shows the story (ArticleQuerySet.published() leaves it out), and
the workflow refuses to publish it or schedule it earlier (articles/checklist.py). Setting an
embargo, moving it later or changing its note is an editor's; lifting it before its time
(clearing it, or moving it earlier while it runs) needs the permission articles.lift_embargo and
a reason, which the audit row keeps. When its time comes the story is readers' at once (the page
cache renews itself then: public/caching.py), and the scheduler's next run ends the embargo
(end_expired_embargoes, from workflow.publish_due), with its own audit row.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.utils import timezone

from .. import permissions
from ..desk_time import shown
from ..models import Article
from ..text import clean_text
from .bookkeeping import ChangeRefused, EditConflict, _lock, audit, claim_version, through_the_door
from .bookkeeping import edit_conflict_message as _conflict
from .signals import announce

NO_REASON = (
    "Lifting an embargo before its time needs a reason: say why, for the audit trail "
    "(who agreed to it, what changed)."
)


@through_the_door
def set_embargo(
    article: Article,
    *,
    until: datetime | None,
    note: str = "",
    by: User,
    reason: str = "",
    loaded_version: int | None = None,
) -> Article:
    """Hold `article` back from readers until `until` (timezone-aware), with the desk's `note`.

    `until` None lifts the embargo (see lift_embargo). Moving a running embargo earlier is
    lifting it early: it needs articles.lift_embargo and a `reason`. A change that changes
    nothing writes nothing. Returns the story as saved; raises ChangeRefused having written
    nothing.
    """
    if until is not None and timezone.is_naive(until):
        raise ValueError("An embargo time must be timezone-aware.")
    return _change(article, until=until, note=note, by=by, reason=reason, loaded=loaded_version)


@through_the_door
def lift_embargo(
    article: Article, *, reason: str = "", by: User, loaded_version: int | None = None
) -> Article:
    """Clear the embargo of `article`. Before its time this is lifting it early: the permission
    articles.lift_embargo and a `reason` are needed, and the audit row keeps the reason."""
    return _change(article, until=None, note="", by=by, reason=reason, loaded=loaded_version)


def lifts_early(before: Article, until: datetime | None, *, now: datetime) -> bool:
    """Would setting the embargo of `before` to `until` lift a running embargo before its time?"""
    was = before.embargo_until
    if was is None or was <= now:
        return False
    return until is None or until < was


def _change(
    article: Article,
    *,
    until: datetime | None,
    note: str,
    by: User,
    reason: str,
    loaded: int | None,
) -> Article:
    before = _lock(article)
    now = timezone.now()
    note = clean_text(note or "").strip() if until is not None else ""
    reason = clean_text(reason or "").strip()
    if until is not None:
        until = until.replace(microsecond=0)
    if until == before.embargo_until and note == before.embargo_note:
        return before
    early = lifts_early(before, until, now=now)
    refusal = permissions.embargo_refusal(by, before, lifts_early=early)
    if refusal:
        raise ChangeRefused(refusal)
    if until is not None and until != before.embargo_until and until <= now:
        raise ChangeRefused(
            f"An embargo holds a story until a time still to come; {shown(until)} has passed. "
            "To let readers see the story now, lift the embargo."
        )
    if early and not reason:
        raise ChangeRefused(NO_REASON)
    if loaded is not None and loaded != before.version:
        raise EditConflict(_conflict(before))
    was = before.embargo_until
    fields: dict[str, object] = {"embargo_until": until, "embargo_note": note, "updated_at": now}
    if not claim_version(before, also=fields):
        raise EditConflict(_conflict(before))
    for name, value in fields.items():
        setattr(before, name, value)
    audit(
        "embargo.lift" if until is None or early else "embargo.set",
        by=by,
        article=before,
        changed=["embargo"],
        comment=_comment(was, until, note=note, reason=reason, early=early, now=now),
    )
    announce([before.pk], {"embargo"})
    return before


def _comment(
    was: datetime | None,
    until: datetime | None,
    *,
    note: str,
    reason: str,
    early: bool,
    now: datetime,
) -> str:
    if until is None:
        said = f"Embargo until {shown(was)} lifted"
        said += " before its time" if early else ""
    elif early:
        said = f"Embargo moved earlier, from {shown(was)} to {shown(until)}"
    elif was is not None and was > now and was != until:
        said = f"Embargo moved from {shown(was)} to {shown(until)}"
    else:
        said = f"Embargoed until {shown(until)}"
    if until is not None and note:
        said += f". Note: {note}"
    if reason:
        said += f". Reason: {reason}"
    return said + "."


def end_expired_embargoes(*, now: datetime | None = None) -> list[Article]:
    """End every embargo whose time has come, on behalf of the scheduler: an audit row each, and
    the change announced, so that what is derived from stories (the page cache) knows.

    Readers see such a story from the embargo's time whether or not this has run
    (ArticleQuerySet.published() compares the time); this records it. Safe to run at any moment.
    """
    now = now or timezone.now()
    ended = []
    due = Article.objects.filter(embargo_until__lte=now).values_list("pk", flat=True)
    for pk in list(due):
        ended_one = _end_one(pk, now=now)
        if ended_one is not None:
            ended.append(ended_one)
    return ended


@through_the_door
def _end_one(pk: int, *, now: datetime) -> Article | None:
    current = Article.objects.select_for_update().filter(pk=pk).first()
    if current is None or current.embargo_until is None or current.embargo_until > now:
        return None  # another run, or an editor, got there first
    was, note = current.embargo_until, current.embargo_note
    fields: dict[str, object] = {"embargo_until": None, "embargo_note": "", "updated_at": now}
    if not claim_version(current, where={"embargo_until": was}, also=fields):
        return None
    for name, value in fields.items():
        setattr(current, name, value)
    audit(
        "embargo.end",
        by=None,
        article=current,
        changed=["embargo"],
        comment=" ".join([f"Embargo until {shown(was)} ended at its time.", note]).strip(),
    )
    announce([current.pk], {"embargo"})
    return current
