"""Parsing a story file: the whole file read and checked, StoryFormatError naming the file and
line, before anything touches the database."""

from interviews.parsing import (
    ExchangeFormatError,
    Paragraph,
    ParsedExchange,
    paragraphs_from_lines,
    split_exchanges,
)

from ..models import Article, Byline, language_choices
from .story_file import (
    BYLINE,
    CUT_MARKER,
    HEADER_KEYS,
    HEADER_LINE,
    INTERVIEWEE_SEPARATOR,
    MAX_BYLINES,
    MAX_LENGTHS,
    ORIGINAL_MARKER,
    REPEATABLE_KEYS,
    SLUG,
    ParsedByline,
    ParsedStory,
    StoryFormatError,
    _blocks,
    _looks_like_header,
    _without_chrome,
    clean_lines,
    numbered_lines,
    parse_date,
)

SLUG_LENGTH: int = Article._meta.get_field("slug").max_length or 0


class _Reader:
    def __init__(self, filename: str):
        self.filename = filename

    def error(self, line: int | None, message: str) -> StoryFormatError:
        return StoryFormatError(self.filename, line, message)

    def check_length(self, line: int, what: str, value: str, limit_key: str) -> None:
        limit = MAX_LENGTHS[limit_key]
        if limit is not None and len(value) > limit:
            raise self.error(
                line, f"the {what} is {len(value)} characters long; the limit is {limit}"
            )

    def parse(self, text: str) -> ParsedStory:
        try:
            # A NUL is refused by its line; other control characters go (articles.text).
            lines = clean_lines(numbered_lines(text))
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
            if not SLUG.match(slug) or len(slug) > SLUG_LENGTH:
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
        lines = clean_lines(numbered_lines(text))
    except ExchangeFormatError as error:
        raise reader.error(error.line, error.message) from None
    story = ParsedStory(headline="", original_language=language)
    story.exchanges = [None] * exchanges  # type: ignore[list-item]  # only counted
    reader.parse_original(story, 0, lines)
    return story


def parse_story(text: str, *, filename: str = "pasted copy") -> ParsedStory:
    """Read a story file's text; raise StoryFormatError (file and line) if it is malformed."""
    return _Reader(filename).parse(text)
