"""What the desk tells a reporter about their stories: a notice per move or correction."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .stories import Article


class NoticeKind(models.TextChoices):
    RETURNED = "returned", "Returned to you"
    PUBLISHED = "published", "Published"
    CORRECTED = "corrected", "Corrected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Notice(models.Model):
    """A line on a reporter's desk home telling them what happened to one of their stories.

    Written by articles/notices.py when the door announces the move or the correction, and
    emailed as well; the reporter marks it read on the desk home.
    """

    Kind = NoticeKind

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField()
    created = models.DateTimeField(default=timezone.now)
    read = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["user", "read", "-created"], name="notice_user_unread_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.article}"


class SentEmail(models.Model):
    """An email the mail server has taken, by a key naming what it said and to whom.

    Written by articles/outbox.py the moment each message is accepted, so that a task retried
    after a mail server failed halfway through its messages sends only the ones still owed.
    """

    key = models.CharField(max_length=400, unique=True)
    sent = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key
