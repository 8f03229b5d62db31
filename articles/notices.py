"""Telling reporters what happened to their stories: returned, published, corrected, withdrawn.

Follows the door's announcement (story_changed, connected in NewsroomConfig.ready): a workflow
move announces "status" after writing its StatusChange, a correction announces "corrections"
after writing the Correction, so the newest of either is the one just made. The notices are
written in the same transaction (a move that is rolled back tells nobody) and emailed by a
background task enqueued once it commits (each message once, retried while the mail server is
away: articles/outbox.py). Only the story's own people (who created it, who it credits:
permissions.is_own) hear of it, never the person who made the change.
"""

from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django_tasks import task

from .models import Article, Correction, Notice, StatusChange
from .notifications import one_line
from .outbox import Email, send_or_retry
from .site_address import site_url

Kind = Notice.Kind

# The moves a reporter hears about, and what the notice calls them.
MOVES: dict[str, str] = {
    "return_to_reporter": Kind.RETURNED,
    "publish": Kind.PUBLISHED,
    "withdraw": Kind.WITHDRAWN,
}
SENTENCES: dict[str, str] = {
    Kind.RETURNED: "{who} returned your story “{headline}” to you.",
    Kind.PUBLISHED: "Your story “{headline}” was published{by_who}.",
    Kind.CORRECTED: "{who} added a correction to your story “{headline}”.",
    Kind.WITHDRAWN: "{who} withdrew your story “{headline}”.",
}

WORDS: dict[str, str] = {
    Kind.RETURNED: "Their comment",
    Kind.PUBLISHED: "Their comment",
    Kind.CORRECTED: "The correction",
    Kind.WITHDRAWN: "The public reason",
}


def name_of(user) -> str:
    if user is None:
        return "The scheduler"
    return one_line(user.get_full_name() or user.get_username())


def owners(article: Article, *, besides=None) -> list:
    """The story's own people (who created it, who it credits), active, not `besides`."""
    credited = article.bylines.filter(contributor__user__isnull=False).values_list(
        "contributor__user_id", flat=True
    )
    ids = {article.created_by_id, *credited} - {None, getattr(besides, "pk", None)}
    return list(
        get_user_model().objects.filter(pk__in=ids, is_active=True, is_staff=True).order_by("pk")
    )


def tell(article: Article, kind: str, *, by, comment: str = "") -> list[Notice]:
    """Write a notice of `kind` for each of the story's own people; mail them after commit."""
    headline = one_line(article.headline)
    who = name_of(by)
    text = SENTENCES[kind].format(
        who=who, headline=headline, by_who="" if by is None else f" by {who}"
    )
    if comment and by is not None:  # the scheduler's own note says nothing new
        text += f" {WORDS[kind]}: “{one_line(comment)}”"
    notices = [
        Notice.objects.create(user=user, article=article, kind=kind, text=text)
        for user in owners(article, besides=by)
    ]
    if notices:
        transaction.on_commit(partial(send.enqueue, [notice.pk for notice in notices]), robust=True)
    return notices


def on_story_changed(sender, *, article_ids, changed, **kwargs) -> None:
    """Tell reporters of the moves and corrections the door has just made to their stories."""
    if "status" not in changed and "corrections" not in changed:
        return
    for article_id in article_ids:
        if "status" in changed:
            move = (
                StatusChange.objects.filter(article_id=article_id)
                .select_related("article", "changed_by")
                .order_by("-pk")
                .first()
            )
            if move is not None and move.transition in MOVES:
                tell(move.article, MOVES[move.transition], by=move.changed_by, comment=move.comment)
        if "corrections" in changed:
            correction = (
                Correction.objects.filter(article_id=article_id)
                .select_related("article", "created_by")
                .order_by("-pk")
                .first()
            )
            if correction is not None:
                tell(
                    correction.article,
                    Kind.CORRECTED,
                    by=correction.created_by,
                    comment=correction.text,
                )


@task()
def send(notice_ids: list[int], attempt: int = 1) -> int:
    """Email the notices (a background task); a mail server that is down costs a retry later."""
    emails = []
    for notice in Notice.objects.filter(pk__in=notice_ids).select_related("user", "article"):
        if not notice.user.email:
            continue
        link = site_url() + reverse("admin:articles_article_change", args=[notice.article_id])
        subject = one_line(
            f"[{settings.SITE_NAME}] {notice.get_kind_display()}: {notice.article.headline}"
        )
        body = "\n".join([notice.text, "", f"Open the story: {link}"])
        emails.append(Email(f"notice:{notice.pk}", subject, body, notice.user.email))
    return send_or_retry(send, emails, notice_ids, attempt=attempt)


def unread_for(user, *, limit: int = 20) -> list[Notice]:
    """The notices `user` has not marked read, newest first (the desk home lists them)."""
    return list(
        Notice.objects.filter(user=user, read=False)
        .select_related("article")
        .order_by("-created", "-pk")[:limit]
    )


def mark_read(user, notice_ids) -> int:
    """Mark these of `user`'s own notices read; another person's ids are ignored."""
    return Notice.objects.filter(user=user, pk__in=notice_ids, read=False).update(read=True)
