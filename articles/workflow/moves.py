"""The moves themselves: the table of transitions, who may make which, and making one."""

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .. import checklist, notifications, permissions, translation
from ..changes import announce, audit, claim_version, door
from ..models import Article, StatusChange
from ..text import clean_text

Status = Article.Status


class TransitionNotAllowed(Exception):
    """The story cannot make this move from the state it is in, or not with what was given."""


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    permission: str
    comment_required: bool = False


# Every allowed move and the permission the person making it needs (README.md, "The desk: roles
# and workflow"). Roles are groups holding these permissions; see articles/roles.py.
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("submit", "Submit", (Status.DRAFT,), Status.EDITING, "articles.submit_article"),
        Transition(
            "return_to_reporter",
            "Return to reporter",
            (Status.EDITING,),
            Status.DRAFT,
            "articles.approve_article",
            comment_required=True,
        ),
        Transition(
            "send_to_translation_review",
            "Send to translation review",
            (Status.EDITING,),
            Status.TRANSLATION_REVIEW,
            "articles.approve_article",
        ),
        Transition(
            "pass_translation",
            "Pass translation",
            (Status.TRANSLATION_REVIEW,),
            Status.APPROVED,
            "articles.review_translation",
        ),
        Transition(
            "return_translation",
            "Return translation",
            (Status.TRANSLATION_REVIEW,),
            Status.EDITING,
            "articles.review_translation",
            comment_required=True,
        ),
        Transition(
            "approve", "Approve", (Status.EDITING,), Status.APPROVED, "articles.approve_article"
        ),
        Transition(
            "schedule", "Schedule", (Status.APPROVED,), Status.SCHEDULED, "articles.publish_article"
        ),
        Transition(
            "publish",
            "Publish",
            (Status.APPROVED, Status.SCHEDULED),
            Status.PUBLISHED,
            "articles.publish_article",
        ),
        Transition(
            "withdraw",
            "Withdraw",
            (Status.PUBLISHED,),
            Status.WITHDRAWN,
            "articles.publish_article",
            comment_required=True,
        ),
        Transition(
            "back_to_draft",
            "Back to draft",
            (Status.WITHDRAWN,),
            Status.DRAFT,
            "articles.publish_article",
        ),
    ]
}


def check(article: Article, transition: Transition, *, by: User) -> None:
    """Raise if `by` may not make `transition` on `article` now; the message is for the admin."""
    if article.status not in transition.sources:
        raise TransitionNotAllowed(
            f"“{transition.label}” is not possible while the story is "
            f"{article.get_status_display().lower()}."
        )
    if not by.has_perm(transition.permission):
        raise PermissionDenied(f"You do not have permission to {transition.label.lower()} stories.")
    if (
        transition.name == "submit"
        and not by.has_perm("articles.edit_any_article")
        and not permissions.is_own(article, by)
    ):
        raise PermissionDenied("Reporters may submit only their own stories.")
    if transition.name == "approve" and article.is_translated:
        raise TransitionNotAllowed(
            f"This story is translated from {article.original_language_name}: "
            "send it to translation review instead of approving it directly."
        )
    if transition.name == "send_to_translation_review" and not article.is_translated:
        raise TransitionNotAllowed(
            "This story has no original language, so there is no translation to review."
        )
    if transition.name == "pass_translation" and not translation.has_source_text(article):
        raise TransitionNotAllowed(
            "Attach the original-language text before passing the translation."
        )
    if transition.target in (Status.SCHEDULED, Status.PUBLISHED):
        check_translation_is_current(article)


def check_translation_is_current(article: Article) -> None:
    """Refuse publication while any translated segment's source changed since it was reviewed."""
    stale = translation.stale_segments(article)
    if stale and translation.never_reviewed(article):
        raise TransitionNotAllowed(
            "The translation has not been reviewed yet: it must pass translation review before "
            "the story can be published."
        )
    if stale:
        labels = ", ".join(row.segment.label.lower() for row in stale[:5])
        more = f" and {len(stale) - 5} more" if len(stale) > 5 else ""
        raise TransitionNotAllowed(
            f"The original text changed after the translation was reviewed ({labels}{more}): "
            "the translation must be reviewed again before the story can be published."
        )


def check_ready(
    article: Article, spec: Transition, *, publish_at: datetime | None, now: datetime
) -> None:
    """Before anything goes live (publish, schedule) the checklist must pass; the refusal names
    everything missing (articles/checklist.py)."""
    if spec.target not in (Status.SCHEDULED, Status.PUBLISHED):
        return
    refusal = checklist.refusal(article, target=spec.target, publish_at=publish_at, now=now)
    if refusal:
        raise TransitionNotAllowed(refusal)


def available_transitions(article: Article, *, by: User) -> list[Transition]:
    """The moves `by` may make on `article` now, in workflow order: the admin's buttons."""
    available = []
    for spec in TRANSITIONS.values():
        try:
            check(article, spec, by=by)
        except (TransitionNotAllowed, PermissionDenied):
            continue
        available.append(spec)
    return available


def transition(
    article: Article,
    name: str,
    *,
    by: User,
    comment: str = "",
    publish_at: datetime | None = None,
    notify: bool = True,
) -> StatusChange:
    """Move `article` through the named transition on behalf of `by`, and record who did it.

    Raises TransitionNotAllowed for a move the story's state or the input does not allow, and
    PermissionDenied for a person who may not make it. Either way nothing changes.
    """
    spec = TRANSITIONS.get(name)
    if spec is None:
        raise TransitionNotAllowed(f"There is no workflow step called “{name}”.")
    comment = clean_text(comment or "").strip()
    if spec.comment_required and not comment:
        what = "a public reason" if spec.name == "withdraw" else "a comment"
        raise TransitionNotAllowed(f"“{spec.label}” needs {what}.")
    now = timezone.now()

    with door(), transaction.atomic():
        # Lock the row where the database can (PostgreSQL); the conditional UPDATE below is what
        # makes the move race-safe everywhere, SQLite included.
        current = Article.objects.select_for_update().get(pk=article.pk)
        check(current, spec, by=by)
        check_ready(current, spec, publish_at=publish_at, now=now)

        change, fields = _apply(
            current, spec, by=by, comment=comment, publish_at=publish_at, now=now, notify=notify
        )

    for name, value in fields.items():
        setattr(article, name, value)
    return change


def _apply(
    current: Article,
    spec: Transition,
    *,
    by: User | None,
    comment: str,
    publish_at: datetime | None,
    now: datetime,
    notify: bool = True,
) -> tuple[StatusChange, dict[str, object]]:
    """Make a checked move on a locked row: the conditional UPDATE, the audit row, the follow-ups.

    Runs inside the caller's transaction; the notification goes out only once it commits.
    """
    fields: dict[str, object] = {"status": spec.target, "updated_at": now}
    if spec.name == "schedule":
        if publish_at is None or publish_at <= now:
            raise TransitionNotAllowed("Scheduling needs a publication time in the future.")
        fields["published_at"] = publish_at
    elif spec.name == "publish":
        if (
            current.status == Status.APPROVED
            and current.published_at is not None
            and current.published_at > now
        ):
            # Publish means readable now; a story listed as published must not answer 404.
            at = timezone.localtime(current.published_at)
            raise TransitionNotAllowed(
                f"This story's publication time, {at:%d %B %Y %H:%M}, is still to come: "
                "schedule it for then, or clear the time to publish it now."
            )
        if current.published_at is None or current.status == Status.SCHEDULED:
            # A scheduled story that an editor publishes early goes live now.
            at = now if current.published_at is None else min(current.published_at, now)
            if current.embargo_until is not None and at < current.embargo_until <= now:
                # Held by an embargo set after it was scheduled: readers saw it from then.
                at = current.embargo_until
            fields["published_at"] = at
        fields["withdrawn_reason"] = ""
    elif spec.name == "withdraw":
        fields["withdrawn_reason"] = comment
    elif spec.name == "back_to_draft":
        fields["withdrawn_reason"] = ""

    # A move is a change of the story: a form opened before it must not be saved over it, so the
    # optimistic-locking version goes up too (the conflict message names who moved it).
    if not claim_version(current, where={"status": current.status}, also=fields):
        raise TransitionNotAllowed("Someone else moved this story just now; reload and retry.")
    fields["version"] = current.version
    change = StatusChange.objects.create(
        article=current,
        transition=spec.name,
        from_status=current.status,
        to_status=spec.target,
        changed_by=by,
        changed_at=now,
        comment=comment,
    )
    audit(
        "story.move",
        by=by,
        article=current,
        changed=["status"],
        comment=f"{spec.label}: {Status(current.status).label} → {Status(spec.target).label}"
        + (f". {comment}" if comment else ""),
    )

    if spec.name == "pass_translation":
        # Passing review is what makes each segment's current source the reviewed one.
        translation.record_review(current, by=by, at=now)
    announce([current.pk], {"status"})
    if notify:
        # robust: the move has committed; a task that cannot be enqueued is logged, not a 500.
        transaction.on_commit(
            partial(notifications.story_entered_queue.enqueue, change.pk), robust=True
        )
    return change, fields
