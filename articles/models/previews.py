"""Shareable previews: a link that shows one story, as readers will see it, to someone without an
account (a source checking a quote, an outside translator), and when it was opened."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .stories import Article


class PreviewLink(models.Model):
    """A signed, expiring, revocable link to the latest saved text of one story.

    Made and revoked only through the door (articles/changes/previews.py), which checks who may
    share the story and writes the audit row; the table is guarded like the story's own. `key`
    is random and only ever travels signed (articles/previews.py): the address a person is given
    is the key with its signature, so that a key read from a backup or guessed opens nothing.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_links")
    key = models.CharField(max_length=40, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["article", "-created_at"], name="preview_article_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="preview_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        until = timezone.localtime(self.expires_at)
        return f"Preview of “{self.article}” until {until:%d %b %Y %H:%M}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        """Does the link open its story now (as far as the link goes: the story's own state is
        the preview view's to judge)?"""
        return not self.is_revoked and not self.is_expired


class PreviewOpening(models.Model):
    """One opening of a preview link: when, and nothing about who.

    No address, no browser, no cookie: the person a link was sent to has no account and agreed
    to nothing, and the desk needs only to know whether, and how often, the link was used.
    Written by the reader's request itself (articles/previews.record_opening), outside the door
    on purpose: it changes nothing anyone sees of a story, so it needs no permission, revision
    or audit row, and the table is not guarded.
    """

    link = models.ForeignKey(PreviewLink, on_delete=models.CASCADE, related_name="openings")
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["link", "-opened_at"], name="preview_opening_link_idx")]

    def __str__(self) -> str:
        return f"Opened {timezone.localtime(self.opened_at):%d %b %Y %H:%M}"
