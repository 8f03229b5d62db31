"""What is kept about stories besides the stories: workflow moves (StatusChange), corrections,
reviewed translation segments, the audit trail, and the revisions (historical rows)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history import register as simple_history_register

from .stories import Article, Byline


class StatusChange(models.Model):
    """One move of a story through the workflow: the audit trail, written by transition()."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="status_changes")
    transition = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, choices=Article.Status.choices)
    to_status = models.CharField(max_length=20, choices=Article.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        get_latest_by = "changed_at"

    def __str__(self) -> str:
        return f"{self.article}: {self.from_status} → {self.to_status}"


class Correction(models.Model):
    """A dated public note appended to a story that readers have seen, saying what was wrong.

    `text` is the English, shown under the story; `source_text`, which a translator or an editor
    adds after the fact (changes.translate_correction), is the same note in the story's original
    language, shown on its original-language page (which shows the English, marked as English,
    until there is one).
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    text = models.TextField(help_text="Shown to readers under the story, with today's date.")
    source_text = models.TextField(
        blank=True,
        help_text="The correction in the story's original language, for its original page.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="correction_text_required"),
        ]
        # /corrections/ and its feed: the newsroom's corrections, newest first.
        indexes = [models.Index(fields=["-created_at", "-id"], name="correction_newest_idx")]

    def __str__(self) -> str:
        return f"Correction of {self.created_at:%d %b %Y} to “{self.article}”"


class ReviewedSegment(models.Model):
    """One segment of a translated story as its translation was last reviewed.

    The fingerprint of the source text at review time tells which segments changed since; the
    source text itself is kept so the reviewer can see what changed, word by word.
    See articles/translation.py.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reviewed_segments")
    key = models.CharField(max_length=60)
    source_fingerprint = models.CharField(max_length=64)
    source_text = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["article", "key"]
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="reviewed_segment_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.article}: {self.key}"


class AuditEntry(models.Model):
    """One change made through the door (articles/changes/): who did what to which story or
    library item, and when. Workflow moves have their own rows, StatusChange."""

    action = models.CharField(max_length=40)
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    # What the change was about, as it was called then: a deleted story keeps its headline here.
    subject = models.CharField(max_length=300)
    changed = models.JSONField(default=list, blank=True)
    comment = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["article", "-at"], name="audit_article_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.subject}"

    def get_action_display(self) -> str:
        return AUDIT_ACTIONS.get(self.action, self.action)


# What each AuditEntry.action means, in the desk's words.
AUDIT_ACTIONS = {
    "story.create": "Story created",
    "story.edit": "Story edited",
    "story.import": "Story imported",
    "story.restore": "Revision restored",
    "story.delete": "Story deleted",
    # A workflow move leaves an audit row too (articles/workflow/), beside its StatusChange.
    "story.move": "Workflow move",
    "story.tags": "Tags changed",
    "correction.add": "Correction added",
    "correction.translate": "Correction translated",
    # The embargo (articles/changes/embargoes.py): set or moved, lifted (early: with the reason),
    # and ended by the scheduler when its time came.
    "embargo.set": "Embargo set",
    "embargo.lift": "Embargo lifted",
    "embargo.end": "Embargo ended",
    "translation.confirm": "Translation confirmed",
    "tag.rename": "Tag renamed",
    "tag.merge": "Tags merged",
    "tag.delete": "Tag deleted",
    "library.add": "Added to the library",
    "library.change": "Library item changed",
    "library.delete": "Library item deleted",
    "archive.restore": "Archive restored",
    "preview.create": "Preview link made",
    "preview.revoke": "Preview link revoked",
}


class RevisionTags(models.Model):
    """What a revision keeps besides the story's own fields: its tags as they stood.

    A field of the historical rows only. None on revisions written before tags were kept (and by
    anything but the door), which a restore then leaves as they are.
    """

    tag_names = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


# Revisions: every save of a story, its credits and its exchanges keeps a historical row
# (django-simple-history); articles/revisions.py puts them together into story revisions.
# app="articles" keeps the historical models in articles.models, where they have always been.
# The embargo is not a revision's: it is written by its own door function, audited there.
simple_history_register(
    Article,
    app="articles",
    excluded_fields=["updated_at", "search_vector", "embargo_until", "embargo_note"],
    bases=[RevisionTags],
)
simple_history_register(Byline, app="articles")
