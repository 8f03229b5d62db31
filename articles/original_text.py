"""Attaching the original-language text to a story already in the desk, from a file or pasted.

The text is read by the importer's parser (importer.parse_original_text, or a whole story file
with an “--- original ---” section) and saved through the door, which decides whether this
person may change the original of this story now (a translator: while it is in review).
"""

from interviews.models import Exchange
from interviews.parsing import ParsedExchange

from . import changes, importer
from .importer import ParsedStory, story_file
from .models import Article

MAX_BYTES = 2 * 1024 * 1024


def original_changes(article: Article, text: str, *, filename: str) -> changes.StoryChanges:
    """The change that attaches `text` as `article`'s original; StoryFormatError if malformed."""
    if not article.original_language:
        raise importer.StoryFormatError(
            filename, None, "set the story's original language in the story form first"
        )
    exchanges = list(Exchange.objects.filter(article=article).order_by("position"))
    if any(story_file.ORIGINAL_MARKER.match(line) for line in text.splitlines()):
        story = importer.parse_story(text, filename=filename)  # a whole story file
        if not story.has_original:
            raise importer.StoryFormatError(filename, None, "the original section is empty")
        if len(story.source_exchanges) != len(exchanges):
            raise importer.StoryFormatError(
                filename,
                None,
                f"the original has {len(story.source_exchanges)} question(s) but the story has "
                f"{len(exchanges)}; they must match one for one, in the same order",
            )
    else:
        story = importer.parse_original_text(
            text,
            language=article.original_language,
            exchanges=len(exchanges),
            filename=filename,
        )
    fields = {
        "source_headline": story.source_headline,
        "source_dek": story.source_dek,
        "source_body": "\n\n".join(story.source_intro),
    }
    rows = None
    if exchanges:
        rows = [
            changes.ExchangeRow(
                question=exchange.question,
                answer=exchange.answer,
                question_original=source.question if source else "",
                answer_original="\n\n".join(source.answer) if source else "",
                pk=exchange.pk,
                position=exchange.position,
            )
            for exchange, source in zip(exchanges, _sources(story, len(exchanges)), strict=False)
        ]
    return changes.StoryChanges(fields=fields, exchanges=rows)


def _sources(story: ParsedStory, count: int) -> list[ParsedExchange | None]:
    """The original of each exchange, in order; None for each when the original has none."""
    return [*story.source_exchanges] or [None] * count
