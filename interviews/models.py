"""The interview parts of a story: who was interviewed, and the ordered questions and answers."""

from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models
from django.db.models import Q
from simple_history import register as simple_history_register

from .parsing import paragraphs


class Interview(models.Model):
    """The interviewee of an interview story."""

    if TYPE_CHECKING:
        # Given by django-simple-history (its manager, and what a save tells it).
        history: ClassVar[Any]
        _history_user: Any

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, primary_key=True, related_name="interview"
    )
    interviewee_name = models.CharField("interviewee", max_length=200)
    interviewee_description = models.CharField(
        "description",
        max_length=300,
        blank=True,
        help_text='Who they are, as the story introduces them: "a south Damascus media activist".',
    )

    def __str__(self) -> str:
        if self.interviewee_description:
            return f"{self.interviewee_name}, {self.interviewee_description}"
        return self.interviewee_name


class Exchange(models.Model):
    """One question and its answer, in English and in the original language."""

    if TYPE_CHECKING:
        # Given by django-simple-history (its manager, and what a save tells it).
        history: ClassVar[Any]
        _history_user: Any

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="exchanges"
    )
    position = models.PositiveSmallIntegerField(default=0)
    question = models.TextField()
    answer = models.TextField(
        help_text=(
            "Paragraphs separated by blank lines. [Square brackets] mark editorial insertions; "
            "[Editor's note: ...], [TN: ...] and [sic] are named as such. Italics and links "
            "are kept."
        )
    )
    question_original = models.TextField("original question", blank=True)
    answer_original = models.TextField("original answer", blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "position"], name="exchange_one_per_position"
            ),
            models.CheckConstraint(condition=~Q(question=""), name="exchange_question_required"),
            models.CheckConstraint(condition=~Q(answer=""), name="exchange_answer_required"),
        ]

    def __str__(self) -> str:
        return f"Q{self.position}: {self.question[:60]}"

    @property
    def answer_paragraphs(self) -> list[str]:
        return paragraphs(self.answer)

    @property
    def answer_original_paragraphs(self) -> list[str]:
        return paragraphs(self.answer_original)


# Every save keeps a historical row, as the story's own do: a revision of a story is its row and
# its parts as they stood (articles/revisions.py).
simple_history_register(Interview)
simple_history_register(Exchange)
