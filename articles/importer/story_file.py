"""What a story file is: its header keys and limits, the parsed story it makes, and the
line-level reading of dates, cleaned lines and blocks that parsing starts from."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.html import escape

from interviews.models import Interview
from interviews.parsing import ExchangeFormatError, ParsedExchange

from ..models import Article, Contributor, Section
from ..text import clean_text

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
                # A calendar day, not a moment: no time zone is meant.
                day = datetime.strptime(text, pattern).date()  # noqa: DTZ007
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


def numbered_lines(text: str) -> list[tuple[int, str]]:
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
