"""Saving a parsed story: one story written through the door in one transaction, created or
updated in place when the person's draft has the same address."""

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from interviews.parsing import ParsedExchange

from .. import changes, permissions
from ..models import Article
from ..slugs import slug_for
from .parsing import parse_story
from .story_file import ParsedStory, StoryFormatError


@dataclass
class ImportResult:
    article: Article
    action: str  # "created", "updated" or "skipped"
    message: str


# --- Saving --------------------------------------------------------------------------------------


def save_story(story: ParsedStory, *, by: User) -> ImportResult:
    """Create the story as a draft of `by`'s, or update their draft with the same address in place.

    A story that has moved on in the workflow is left as it is: the desk owns it now. Everything
    goes through the door (articles/changes/), which decides on the story as it was before the
    import; an address taken by a story `by` may not change is refused without a word about it.
    The publication time in the copy is used only when `by` may set it (editors); for anyone else
    it is left to the desk, and the result says so.
    """
    slug = story.slug or slug_for(story.headline)
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(slug=slug).first()
        if article is not None and not permissions.can_view_article(by, article):
            raise changes.ChangeRefused(
                f"The address /articles/{slug}/ is taken by a story you cannot change. Add a line "
                "“Slug: another-address” to the header to import this copy under another address."
            )
        if article is not None and article.status != Article.Status.DRAFT:
            return ImportResult(
                article,
                "skipped",
                f"“{article.headline}” is past draft (now: {article.get_status_display()}), "
                "so it was left as it is",
            )
        allowed = permissions.allowed_changes(by, article)
        fields: dict = {
            "headline": story.headline,
            "slug": slug,
            "dek": story.dek,
            "body": story.body_html,
            "kind": story.kind,
        }
        notes = []
        if story.published_at is not None:
            if "published_at" in allowed:
                fields["published_at"] = story.published_at
            else:
                day = timezone.localtime(story.published_at)
                notes.append(f"the date in the copy ({day:%d %B %Y}) is left to the desk")
        if story.section:
            fields["section"] = changes.NewSection(story.section)
        if story.original_language:
            fields["original_language"] = story.original_language
        if story.has_original:
            fields["source_headline"] = story.source_headline
            fields["source_dek"] = story.source_dek
            fields["source_body"] = "\n\n".join(story.source_intro)
        sources: list[ParsedExchange | None] = [*story.source_exchanges] or [None] * len(
            story.exchanges
        )
        edit = changes.StoryChanges(
            fields=fields,
            tags=story.tags,
            bylines=[changes.BylineRow(role=b.role, name=b.name) for b in story.bylines] or None,
            interviewee=(
                changes.Interviewee(story.interviewee_name, story.interviewee_description)
                if story.interviewee_name
                else changes.KEEP
            ),
            exchanges=[
                changes.ExchangeRow(
                    question=exchange.question,
                    answer="\n\n".join(exchange.answer),
                    question_original=source.question if source else "",
                    answer_original="\n\n".join(source.answer) if source else "",
                    position=position,
                )
                for position, (exchange, source) in enumerate(
                    zip(story.exchanges, sources, strict=True), start=1
                )
            ],
        )
        if article is None:
            article = changes.create_story(edit, by=by, action="story.import")
            action = "created"
        else:
            article, _ = changes.edit_story(article, edit, by=by, action="story.import")
            action = "updated"
    message = f"“{article.headline}” {action} as a draft"
    if notes:
        message += f"; {'; '.join(notes)}"
    return ImportResult(article, action, message)


def import_story_text(text: str, *, by: User, filename: str = "pasted copy") -> ImportResult:
    """Parse and save one story; a malformed one raises StoryFormatError and writes nothing."""
    return save_story(parse_story(text, filename=filename), by=by)


def import_story_file(path: str | Path, *, by: User) -> ImportResult:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise StoryFormatError(str(path), None, f"cannot be read ({error.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise StoryFormatError(str(path), line, "is not UTF-8 text") from None
    return import_story_text(text, filename=str(path), by=by)
