"""The interview parts of a story: who was interviewed, and the ordered questions and answers."""

import re

from django.db import models
from django.db.models import Q

from articles.models import Article

# An editorial insertion: words in square brackets that the speaker did not say.
INSERTION = re.compile(r"\[[^\[\]\n]+\]")


def paragraphs(text: str) -> list[str]:
    """Split plain text into paragraphs at blank lines, folding the line breaks inside each."""
    blocks = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip())
    return [
        " ".join(line.strip() for line in block.splitlines()).strip()
        for block in blocks
        if block.strip()
    ]


class Interview(models.Model):
    """The interviewee of an interview story."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="interview"
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

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="exchanges")
    position = models.PositiveSmallIntegerField(default=0)
    question = models.TextField()
    answer = models.TextField(
        help_text=(
            "Paragraphs separated by blank lines. [Square brackets] mark editorial insertions."
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
