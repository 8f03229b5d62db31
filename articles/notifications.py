"""Email to the people whose queue a story has just entered, with a link to it in the admin.

Enqueued by articles/workflow/ as a background task once the move has been committed, so nobody
is told about a move that was rolled back and the editor never waits for the mail server; the
worker sends the messages, each once, retried while the mail server is away (articles/outbox.py).
The mail backend comes from settings (console by default).
The messages are plain text only: what people typed (headline, name, comment) goes in as it is,
never into HTML.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_tasks import task

from .models import Article, StatusChange
from .outbox import Email, send_or_retry
from .roles import EDITOR, TRANSLATOR
from .site_address import site_url

Status = Article.Status

# The queue a state stands for, and the role that works it. A story back in draft goes to its
# own reporters rather than to every reporter.
QUEUE_ROLES: dict[str, str] = {
    Status.EDITING: EDITOR,
    Status.TRANSLATION_REVIEW: TRANSLATOR,
    Status.APPROVED: EDITOR,
}
QUEUE_NAMES: dict[str, str] = {
    Status.DRAFT: "drafts to finish",
    Status.EDITING: "stories to edit",
    Status.TRANSLATION_REVIEW: "translations to review",
    Status.APPROVED: "approved stories to schedule or publish",
}


def recipients(change: StatusChange) -> list[str]:
    """Addresses of the people who should hear that the story entered their queue."""
    article = change.article
    if change.transition == "return_to_reporter":
        return []  # the reporters hear it from articles/notices.py, on the desk and by email
    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    if change.to_status == Status.DRAFT:
        users = users.filter(
            pk__in=[
                *([article.created_by_id] if article.created_by_id else []),
                *article.bylines.filter(contributor__user__isnull=False).values_list(
                    "contributor__user_id", flat=True
                ),
            ]
        )
    elif change.to_status in QUEUE_ROLES:
        users = users.filter(groups__name=QUEUE_ROLES[change.to_status])
    else:
        return []
    if change.changed_by_id:
        users = users.exclude(pk=change.changed_by_id)  # they know: they just did it
    return sorted(set(users.values_list("email", flat=True)))


def one_line(text: str) -> str:
    """`text` with every run of whitespace, line breaks included, folded into one space.

    A line break in a subject would make Django refuse the whole message (BadHeaderError, so
    the desk is never told); in the body it could make a headline pass for a line of our own.
    """
    return " ".join(text.split())


def queue_emails(change: StatusChange) -> list[Email]:
    """The messages telling the people of the queue the story entered, one to each address."""
    addresses = recipients(change)
    if not addresses:
        return []
    article = change.article
    link = site_url() + reverse("admin:articles_article_change", args=[article.pk])
    if change.changed_by is None:
        who = "The scheduler"
    else:
        who = change.changed_by.get_full_name() or change.changed_by.get_username()
    headline = one_line(str(article))
    subject = one_line(
        f"[{settings.SITE_NAME}] {QUEUE_NAMES[change.to_status].capitalize()}: {headline}"
    )
    lines = [
        f"“{headline}” is now {article.get_status_display().lower()}.",
        f"{one_line(who)} moved it ({change.transition.replace('_', ' ')}).",
    ]
    if change.comment:
        lines += ["", "Their comment:", change.comment]
    lines += ["", f"Open the story: {link}"]
    body = "\n".join(lines)
    return [Email(f"queue:{change.pk}:{address}", subject, body, address) for address in addresses]


@task()
def story_entered_queue(change_pk: int, attempt: int = 1) -> int:
    """Tell the people of the queue a story entered; returns how many emails this attempt sent.

    A background task (enqueue it); a mail server that is down costs a retry later, never the
    move that has already happened.
    """
    change = (
        StatusChange.objects.select_related("article", "changed_by").filter(pk=change_pk).first()
    )
    if change is None:  # the story was deleted meanwhile
        return 0
    return send_or_retry(story_entered_queue, queue_emails(change), change_pk, attempt=attempt)
