"""Turning pasted question/answer copy into exchanges, and the text rules of an interview's
answers: paragraphs, and the newsroom's [bracketed] insertions."""

import re
from dataclasses import dataclass, field

# The most exchanges one story may have. Their positions are PositiveSmallIntegerFields, so
# PostgreSQL stops at 32,767 with a DataError (SQLite has no limit at all); a real interview has
# tens of exchanges, and a story page, its feed entry and its revisions carry every one of them.
MAX_EXCHANGES = 500


# Bidirectional marks that Arabic copy often carries in front of a line; they hide the marker.
_BIDI_MARKS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_COLON = r"\s*[:：]\s*"

LATIN_QUESTION = re.compile(rf"^(?:Q|Question){_COLON}", re.IGNORECASE)
LATIN_ANSWER = re.compile(rf"^(?:A|Answer){_COLON}", re.IGNORECASE)
# The original may be marked the way its language marks interviews: in Arabic س (question) and
# ج (answer).
ORIGINAL_QUESTION = re.compile(rf"^(?:Q|Question|س|سؤال){_COLON}", re.IGNORECASE)
ORIGINAL_ANSWER = re.compile(rf"^(?:A|Answer|ج|جواب){_COLON}", re.IGNORECASE)


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


@dataclass
class Paragraph:
    """One paragraph of copy and the line of the file it starts on."""

    text: str
    line: int


@dataclass
class ParsedExchange:
    question: str
    line: int
    answer: list[str] = field(default_factory=list)


class ExchangeFormatError(ValueError):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def _unmarked(text: str) -> str:
    return text.lstrip(_BIDI_MARKS + " \t")


def paragraphs_from_lines(
    lines: list[tuple[int, str]], *, original: bool = False
) -> list[Paragraph]:
    """Group numbered lines into paragraphs at blank lines, folding soft line breaks.

    A question whose answer follows on the next line ("Q: ..." then "A: ...", no blank line
    between) is split into two paragraphs there. The lines come cleaned (the importer does it,
    articles.importer.clean_lines).
    """
    answer_marker = ORIGINAL_ANSWER if original else LATIN_ANSWER
    question_marker = ORIGINAL_QUESTION if original else LATIN_QUESTION
    groups: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, text in lines:
        stripped = text.strip()
        if not stripped:
            if current:
                groups.append(current)
            current = []
            continue
        starts_answer = answer_marker.match(_unmarked(stripped))
        if current and starts_answer and question_marker.match(_unmarked(current[0][1])):
            groups.append(current)
            current = []
        current.append((number, stripped))
    if current:
        groups.append(current)
    return [Paragraph(" ".join(text for _, text in group), group[0][0]) for group in groups]


def split_exchanges(
    paragraphs: list[Paragraph], *, original: bool = False
) -> tuple[list[Paragraph], list[ParsedExchange]]:
    """Split a body into its intro paragraphs and its question/answer exchanges.

    A paragraph starting "Q:" opens an exchange; the paragraphs after it, up to the next question,
    are its answer, the first of which may start "A:". A question with no answer is an error,
    and so is a question past the MAX_EXCHANGES-th.
    """
    question_marker = ORIGINAL_QUESTION if original else LATIN_QUESTION
    answer_marker = ORIGINAL_ANSWER if original else LATIN_ANSWER
    intro: list[Paragraph] = []
    exchanges: list[ParsedExchange] = []
    for paragraph in paragraphs:
        text = _unmarked(paragraph.text)
        opened = question_marker.match(text)
        if opened:
            question = text[opened.end() :].strip()
            if not question:
                raise ExchangeFormatError(paragraph.line, "a question marker with no question")
            if len(exchanges) == MAX_EXCHANGES:
                raise ExchangeFormatError(
                    paragraph.line,
                    f"question {MAX_EXCHANGES + 1}: a story holds at most {MAX_EXCHANGES} "
                    "questions and answers; split the interview into parts",
                )
            exchanges.append(ParsedExchange(question=question, line=paragraph.line))
            continue
        if not exchanges:
            intro.append(Paragraph(paragraph.text, paragraph.line))
            continue
        current = exchanges[-1]
        if not current.answer:
            marked = answer_marker.match(text)
            if marked:
                text = text[marked.end() :]
        if text.strip():
            current.answer.append(text.strip())
    for exchange in exchanges:
        if not exchange.answer:
            raise ExchangeFormatError(
                exchange.line, f"the question “{_shorten(exchange.question)}” has no answer"
            )
    return intro, exchanges


def _shorten(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
