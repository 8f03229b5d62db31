"""Story files: plain-text copy in, a draft story out (see STORY_FORMAT.md in the shared docs).

Parsing and saving are separate steps: parse_story() reads the whole file and raises
StoryFormatError naming the file and line before anything touches the database, and save_story()
writes one story in one transaction.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from interviews.models import Interview
from interviews.parsing import (
    ExchangeFormatError,
    Paragraph,
    ParsedExchange,
    paragraphs_from_lines,
    split_exchanges,
)

from . import changes, permissions
from .models import Article, Byline, Contributor, Section, language_choices
from .slugs import slug_for
from .text import clean_text

ORIGINAL_MARKER = re.compile(r"^\s*-{3,}\s*original\s*-{3,}\s*$", re.IGNORECASE)
READING_TIME = re.compile(r"^\d+\s*(?:-\s*\d+\s*)?min(?:ute)?s?\.?\s+read$", re.IGNORECASE)
# Page furniture that comes along when copy is selected on a web page.
CHROME = re.compile(
    r"^(?:share this (?:article|story|page)!?|share(?: on \w+)?|tweet|print|e-?mail|"
    r"advertisement|related(?: articles| stories)?:?|read more:?|subscribe|"
    r"\d+\s*min(?:ute)?s?\.?\s+read)$",
    re.IGNORECASE,
)
HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z-]*)\s*:\s*(.*)$")
CUT_MARKER = re.compile(r"\s*(?:\[…\]|\[\.\.\.\]|…|\.\.\.)\s*$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
BYLINE = re.compile(r"^(?P<name>.*?)\s*(?:\((?P<role>[^()]*)\))?\s*$")
INTERVIEWEE_SEPARATOR = re.compile(r"\s*[—–]\s*|\s+-\s+")

HEADER_KEYS = {
    "headline",
    "dek",
    "date",
    "kind",
    "section",
    "tags",
    "byline",
    "interviewee",
    "original-language",
    "slug",
}
REPEATABLE_KEYS = {"byline"}

MAX_LENGTHS = {
    "headline": Article._meta.get_field("headline").max_length,
    "section": Section._meta.get_field("name").max_length,
    "contributor": Contributor._meta.get_field("name").max_length,
    "interviewee": Interview._meta.get_field("interviewee_name").max_length,
    "description": Interview._meta.get_field("interviewee_description").max_length,
    "tag": 100,
}
# The most Byline lines a file may have: a Byline's position is a PositiveSmallIntegerField
# (32,767 on PostgreSQL), and no story credits more than a few dozen people.
MAX_BYLINES = 100


class StoryFormatError(ValueError):
    """A story file that does not follow the format; says which file and line, and why."""

    def __init__(self, filename: str, line: int | None, message: str):
        self.filename, self.line, self.message = filename, line, message
        where = f"{filename}, line {line}" if line else filename
        super().__init__(f"{where}: {message}")


@dataclass
class ParsedByline:
    name: str
    role: str


@dataclass
class ParsedStory:
    """Everything a story file says, checked, before any of it is saved."""

    headline: str
    dek: str = ""
    published_at: datetime | None = None
    kind: str = ""
    section: str = ""
    tags: list[str] | None = None
    bylines: list[ParsedByline] = field(default_factory=list)
    interviewee_name: str = ""
    interviewee_description: str = ""
    original_language: str = ""
    slug: str = ""
    intro: list[str] = field(default_factory=list)
    exchanges: list[ParsedExchange] = field(default_factory=list)
    has_original: bool = False
    source_headline: str = ""
    source_dek: str = ""
    source_intro: list[str] = field(default_factory=list)
    source_exchanges: list[ParsedExchange] = field(default_factory=list)

    @property
    def body_html(self) -> str:
        return "\n".join(f"<p>{escape(paragraph)}</p>" for paragraph in self.intro)


@dataclass
class ImportResult:
    article: Article
    action: str  # "created", "updated" or "skipped"
    message: str


# --- Reading -------------------------------------------------------------------------------------

MONTH_FORMATS = ("%d %B %Y", "%B %d, %Y", "%B %d %Y", "%d %b %Y", "%b %d, %Y", "%b %d %Y")
WEEKDAY = re.compile(r"^(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+", re.IGNORECASE)
ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)


def parse_date(text: str) -> datetime | None:
    """A publication date in any form the format allows, as an aware datetime; None if unreadable.

    A date without a time is taken as midnight in the newsroom's time zone.
    """
    text = ORDINAL.sub(r"\1", WEEKDAY.sub("", text.strip())).replace("Sept ", "Sep ")
    text = re.sub(r"(?<=[A-Za-z])\.(?=\s)", "", text)  # "Oct. 4, 2015"
    day: date | None = None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
    elif re.match(r"\d{4}-\d{2}-\d{2}[T ]\d", text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment
    else:
        for pattern in MONTH_FORMATS:
            try:
                day = datetime.strptime(text, pattern).date()
                break
            except ValueError:
                continue
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


NUL_MESSAGE = (
    "contains a NUL character, which a story cannot hold (a file saved as UTF-16 is full of "
    "them): save it as UTF-8 plain text"
)


def clean_lines(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Numbered lines of copy made fit to store: a NUL is refused, naming its line, since no
    text may hold one (PostgreSQL refuses it); other control characters are removed, and a
    vertical tab (a word processor's soft line break) becomes a space (articles/text.py)."""
    cleaned = []
    for number, text in lines:
        if "\x00" in text:
            raise ExchangeFormatError(number, NUL_MESSAGE)
        cleaned.append((number, clean_text(text, one_line=True)))
    return cleaned


def _numbered_lines(text: str) -> list[tuple[int, str]]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return list(enumerate(text.split("\n"), start=1))


def _blocks(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Runs of non-blank lines, each line stripped and numbered."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, text in lines:
        if text.strip():
            current.append((number, text.strip()))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _without_chrome(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    return [(n, "" if CHROME.match(text.strip()) else text) for n, text in lines]


def _looks_like_header(block: list[tuple[int, str]]) -> bool:
    """A header block starts with a key the format knows, or is all "Key: value" lines.

    The second rule catches a mistyped first key, so that it is reported rather than published
    as a headline; a web page's headline with a colon ("Syria: a truce") stands alone.
    """
    first = HEADER_LINE.match(block[0][1])
    if first and first.group(1).lower() in HEADER_KEYS:
        return True
    return len(block) >= 2 and all(HEADER_LINE.match(text) for _, text in block)


class _Reader:
    def __init__(self, filename: str):
        self.filename = filename

    def error(self, line: int | None, message: str) -> StoryFormatError:
        return StoryFormatError(self.filename, line, message)

    def check_length(self, line: int, what: str, value: str, limit_key: str) -> None:
        limit = MAX_LENGTHS[limit_key]
        if len(value) > limit:
            raise self.error(
                line, f"the {what} is {len(value)} characters long; the limit is {limit}"
            )

    def parse(self, text: str) -> ParsedStory:
        try:
            # A NUL is refused by its line; other control characters go (articles.text).
            lines = clean_lines(_numbered_lines(text))
        except ExchangeFormatError as error:
            raise self.error(error.line, error.message) from None
        marker = next((n for n, t in lines if ORIGINAL_MARKER.match(t)), None)
        english = lines if marker is None else lines[: marker - 1]
        original = [] if marker is None else lines[marker:]

        blocks = _blocks(english)
        if not blocks:
            raise self.error(None, "the file is empty: a story needs at least a headline")
        if _looks_like_header(blocks[0]):
            story, body_start = self.parse_header(blocks[0]), blocks[0][-1][0] + 1
        else:
            story, body_start = self.parse_web_page(english)
        body_lines = _without_chrome([(n, t) for n, t in english if n >= body_start])
        story.intro, story.exchanges = self.split(body_lines, original=False)
        if not story.kind:
            story.kind = Article.Kind.INTERVIEW if story.exchanges else Article.Kind.NEWS
        if marker is not None:
            self.parse_original(story, marker, original)
        return story

    def split(self, lines, *, original: bool) -> tuple[list[str], list[ParsedExchange]]:
        try:
            intro, exchanges = split_exchanges(
                paragraphs_from_lines(lines, original=original), original=original
            )
        except ExchangeFormatError as error:
            raise self.error(error.line, error.message) from None
        return [p.text for p in intro], exchanges

    def parse_web_page(self, lines: list[tuple[int, str]]) -> tuple[ParsedStory, int]:
        """Reading time, headline, optional dek and date; returns the story and its body's line."""
        # Chrome lines, the reading-time line among them, are blanked before blocks are formed.
        blocks = _blocks(_without_chrome(lines))
        paragraphs = [Paragraph(" ".join(t for _, t in block), block[0][0]) for block in blocks]
        if not paragraphs:
            raise self.error(None, "no headline found")
        position = 0
        headline = paragraphs[position]
        self.check_length(headline.line, "headline", headline.text, "headline")
        story = ParsedStory(headline=headline.text)
        position += 1
        if position >= len(paragraphs):
            raise self.error(
                blocks[position - 1][-1][0],
                "the file ends after the headline; expected a publication date",
            )
        published_at = parse_date(paragraphs[position].text)
        if published_at is None:
            dek = paragraphs[position]
            story.dek = CUT_MARKER.sub("", dek.text).strip()
            position += 1
            if position >= len(paragraphs):
                raise self.error(
                    blocks[position - 1][-1][0],
                    "the file ends after the standfirst; expected a publication date",
                )
            published_at = parse_date(paragraphs[position].text)
            if published_at is None:
                found = paragraphs[position]
                raise self.error(
                    found.line,
                    f"expected the publication date (such as “4 October 2015”), found "
                    f"“{found.text[:60]}”",
                )
        story.published_at = published_at
        date_block = blocks[position]
        return story, date_block[-1][0] + 1

    def parse_header(self, block: list[tuple[int, str]]) -> ParsedStory:
        seen: dict[str, int] = {}
        values: dict[str, tuple[int, str]] = {}
        bylines: list[tuple[int, str]] = []
        for number, text in block:
            match = HEADER_LINE.match(text)
            if not match:
                raise self.error(
                    number, f"expected “Key: value” in the header, found “{text[:60]}”"
                )
            key, value = match.group(1).lower(), match.group(2).strip()
            if key not in HEADER_KEYS:
                raise self.error(
                    number,
                    f"unknown key “{match.group(1)}” (known keys: "
                    "Headline, Dek, Date, Kind, Section, Tags, Byline, Interviewee, "
                    "Original-Language, Slug)",
                )
            if key in seen and key not in REPEATABLE_KEYS:
                raise self.error(
                    number, f"“{match.group(1)}” given twice (first on line {seen[key]})"
                )
            seen[key] = number
            if key == "byline":
                bylines.append((number, value))
            else:
                values[key] = (number, value)

        if "headline" not in values or not values["headline"][1]:
            line = values.get("headline", (block[0][0], ""))[0]
            raise self.error(line, "the header has no Headline")
        line, headline = values["headline"]
        self.check_length(line, "headline", headline, "headline")
        story = ParsedStory(headline=headline)
        if "dek" in values:
            story.dek = CUT_MARKER.sub("", values["dek"][1]).strip()
        if "date" in values and values["date"][1]:
            line, text = values["date"]
            story.published_at = parse_date(text)
            if story.published_at is None:
                raise self.error(
                    line, f"unreadable date “{text}” (use e.g. 4 October 2015 or 2015-10-04)"
                )
        if "kind" in values and values["kind"][1]:
            line, text = values["kind"]
            if text.lower() not in Article.Kind.values:
                raise self.error(
                    line, f"unknown kind “{text}” (one of: {', '.join(Article.Kind.values)})"
                )
            story.kind = text.lower()
        if "section" in values:
            line, story.section = values["section"]
            self.check_length(line, "section name", story.section, "section")
        if "tags" in values:
            line, text = values["tags"]
            story.tags = []
            for tag in (t.strip() for t in text.split(",")):
                if tag and tag.lower() not in {t.lower() for t in story.tags}:
                    self.check_length(line, f"tag “{tag[:20]}”", tag, "tag")
                    story.tags.append(tag)
        if len(bylines) > MAX_BYLINES:
            raise self.error(
                bylines[MAX_BYLINES][0],
                f"more than {MAX_BYLINES} Byline lines; a story credits at most {MAX_BYLINES}",
            )
        for line, text in bylines:
            story.bylines.append(self.parse_byline(line, text))
        if "interviewee" in values and values["interviewee"][1]:
            line, text = values["interviewee"]
            name, _, description = (part.strip() for part in _split_once(text))
            if not name:
                raise self.error(line, "the interviewee has no name")
            self.check_length(line, "interviewee's name", name, "interviewee")
            self.check_length(line, "interviewee's description", description, "description")
            story.interviewee_name, story.interviewee_description = name, description
        if "original-language" in values and values["original-language"][1]:
            line, code = values["original-language"]
            known = dict(language_choices())
            if code.lower() not in known:
                raise self.error(
                    line,
                    f"unknown original language “{code}” (one of: {', '.join(sorted(known))})",
                )
            story.original_language = code.lower()
        if "slug" in values and values["slug"][1]:
            line, slug = values["slug"]
            if not SLUG.match(slug) or len(slug) > Article._meta.get_field("slug").max_length:
                raise self.error(
                    line, f"“{slug}” is not a slug: use lower-case letters, digits and hyphens"
                )
            story.slug = slug
        return story

    def parse_byline(self, line: int, text: str) -> ParsedByline:
        match = BYLINE.match(text)
        name = (match.group("name") if match else text).strip()
        role = (match.group("role") or "").strip().lower() if match else ""
        if not name:
            raise self.error(line, "a Byline with no name")
        self.check_length(line, "contributor's name", name, "contributor")
        if role and role not in Byline.Role.values:
            raise self.error(
                line, f"unknown role “{role}” (one of: {', '.join(Byline.Role.values)})"
            )
        return ParsedByline(name=name, role=role or Byline.Role.AUTHOR)

    def parse_original(self, story: ParsedStory, marker: int, lines: list[tuple[int, str]]) -> None:
        if not story.original_language:
            raise self.error(
                marker,
                "an “--- original ---” section needs an Original-Language: line in the header",
            )
        blocks = _blocks(lines)
        if not blocks:
            raise self.error(marker, "the original section is empty")
        heading = blocks[0]
        if len(heading) > 2:
            raise self.error(
                heading[2][0],
                "the original starts with a headline line and an optional standfirst line, "
                "then a blank line before the text",
            )
        story.has_original = True
        story.source_headline = heading[0][1]
        self.check_length(heading[0][0], "original headline", story.source_headline, "headline")
        story.source_dek = heading[1][1] if len(heading) == 2 else ""
        body = [(n, t) for n, t in lines if n > heading[-1][0]]
        story.source_intro, story.source_exchanges = self.split(body, original=True)
        english, source = len(story.exchanges), len(story.source_exchanges)
        if english != source:
            extra = story.source_exchanges[english] if source > english else None
            raise self.error(
                extra.line if extra else marker,
                f"the original has {source} question(s) but the English has {english}; "
                "they must match one for one, in the same order",
            )


def _split_once(text: str) -> tuple[str, str, str]:
    parts = INTERVIEWEE_SEPARATOR.split(text, maxsplit=1)
    return (parts[0], "—", parts[1]) if len(parts) == 2 else (text, "", "")


def parse_original_text(
    text: str, *, language: str, exchanges: int, filename: str = "pasted original"
) -> ParsedStory:
    """Read an original-language text on its own, as the “--- original ---” section of a story
    file is read: a headline line, an optional standfirst line, a blank line, then the text (and
    as many Q/A exchanges as the English has, `exchanges`). StoryFormatError if malformed."""
    reader = _Reader(filename)
    try:
        lines = clean_lines(_numbered_lines(text))
    except ExchangeFormatError as error:
        raise reader.error(error.line, error.message) from None
    story = ParsedStory(headline="", original_language=language)
    story.exchanges = [None] * exchanges  # type: ignore[list-item]  (only counted)
    reader.parse_original(story, 0, lines)
    return story


def parse_story(text: str, *, filename: str = "pasted copy") -> ParsedStory:
    """Read a story file's text; raise StoryFormatError (file and line) if it is malformed."""
    return _Reader(filename).parse(text)


# --- Saving --------------------------------------------------------------------------------------


def save_story(story: ParsedStory, *, by: AbstractBaseUser) -> ImportResult:
    """Create the story as a draft of `by`'s, or update their draft with the same address in place.

    A story that has moved on in the workflow is left as it is: the desk owns it now. Everything
    goes through the door (articles/changes.py), which decides on the story as it was before the
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
        sources = story.source_exchanges or [None] * len(story.exchanges)
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


def import_story_text(
    text: str, *, by: AbstractBaseUser, filename: str = "pasted copy"
) -> ImportResult:
    """Parse and save one story; a malformed one raises StoryFormatError and writes nothing."""
    return save_story(parse_story(text, filename=filename), by=by)


def import_story_file(path: str | Path, *, by: AbstractBaseUser) -> ImportResult:
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
