"""The desk's queues: the stories waiting for each person, shown on the admin's landing page."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.urls import reverse

from . import permissions
from .models import Article

Status = Article.Status
QUEUE_LENGTH = 15


@dataclass
class Queue:
    title: str
    explanation: str
    status: str
    articles: list[Article]
    total: int

    @property
    def url(self) -> str:
        return f"{reverse('admin:articles_article_changelist')}?status__exact={self.status}"


# Which states wait for whom. A reporter's drafts are their own (visible_articles decides).
QUEUES: list[tuple[str, str, str, str]] = [
    # (title, explanation, state, who works it: "reporter", "translator" or "editor")
    (
        "Drafts to finish",
        "Your stories still in draft, including any returned to you.",
        Status.DRAFT,
        "reporter",
    ),
    (
        "Stories to edit",
        "Submitted by reporters or returned by translators.",
        Status.EDITING,
        "editor",
    ),
    (
        "Translations to review",
        "Compare the translation with the original, then pass or return it.",
        Status.TRANSLATION_REVIEW,
        "translator",
    ),
    ("Approved, to schedule or publish", "Ready to go live.", Status.APPROVED, "editor"),
    ("Scheduled", "Going live at their publication time.", Status.SCHEDULED, "editor"),
]


def _works(user: User, who: str) -> bool:
    if permissions.is_editor(user):
        return who != "reporter"
    if who == "reporter":
        return permissions.is_reporter(user)
    if who == "translator":
        return permissions.is_translator(user)
    return False


def queues_for(user: User) -> list[Queue]:
    """The queues `user` works, each with its oldest-waiting stories first."""
    visible = permissions.visible_articles(Article.objects.all(), user=user)
    result = []
    for title, explanation, status, who in QUEUES:
        if not _works(user, who):
            continue
        waiting = visible.filter(status=status).order_by("updated_at", "pk")
        if status == Status.SCHEDULED:
            waiting = visible.filter(status=status).order_by("published_at", "pk")
        stories = list(waiting.select_related("section")[:QUEUE_LENGTH])
        total = len(stories) if len(stories) < QUEUE_LENGTH else waiting.count()
        result.append(Queue(title, explanation, status, stories, total))
    return result


@dataclass
class MyStories:
    in_progress: list[Article]
    published: list[Article]
    url: str


MY_STORIES_LENGTH = 10


def my_stories(user: User) -> MyStories | None:
    """A reporter's own stories for the desk home: those still in the desk (each with where it
    is) and the latest published or withdrawn. None for people who are not reporters: editors
    and translators have their queues."""
    if permissions.is_editor(user) or not permissions.is_reporter(user):
        return None
    own = (
        Article.objects.filter(pk__in=Article.objects.filter(permissions.own_stories_filter(user)))
        .without_text()
        .select_related("section")
    )
    in_desk = [s for s in Status if s not in (Status.PUBLISHED, Status.WITHDRAWN)]
    return MyStories(
        in_progress=list(own.filter(status__in=in_desk).order_by("-updated_at", "-pk")),
        published=list(
            own.filter(status__in=[Status.PUBLISHED, Status.WITHDRAWN]).order_by(
                "-published_at", "-pk"
            )[:MY_STORIES_LENGTH]
        ),
        url=reverse("admin:articles_article_changelist"),
    )
