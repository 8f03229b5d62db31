"""What a person typed into the story form and has not saved: an autosave, theirs alone."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .stories import Article


class Autosave(models.Model):
    """What one person typed into the story form and has not saved yet, kept for them alone.

    Not a revision and not a change of the story: nothing here reaches readers or the story's
    tables, and it is read only by the person who typed it (articles/autosave.py). A successful
    save of the form deletes it. `key` is the story's id, or "new" for a story not yet saved.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=20)
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    data = models.JSONField(default=dict)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="autosave_one_per_person_and_story"
            )
        ]

    def __str__(self) -> str:
        what = self.article or "a new story"
        return f"Unsaved changes to {what} from {timezone.localtime(self.saved_at):%d %B %Y %H:%M}"
