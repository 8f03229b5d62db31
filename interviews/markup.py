"""How an interview's text reads on a page: the kinds of [bracketed] insertion, and the little
markup an answer may hold (italics and links), cleaned as a story's body is."""

import re
from dataclasses import dataclass
from html import unescape

import nh3
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from .parsing import INSERTION


@dataclass(frozen=True)
class InsertionKind:
    """One kind of bracketed insertion: what it is called, and how a page marks it."""

    key: str
    label: str
    css_class: str


EDITORIAL = InsertionKind("editorial", "Editorial insertion", "insertion")
EDITORS_NOTE = InsertionKind("editors_note", "Editor's note", "insertion insertion--editors-note")
TRANSLATORS_NOTE = InsertionKind(
    "translators_note", "Translator's note", "insertion insertion--translators-note"
)
SIC = InsertionKind("sic", "Sic: so in the original", "insertion insertion--sic")

# The notations, tried in this order on the text inside the brackets (docs/story-format.md).
_APOSTROPHE = "['’]"
_TYPED = (
    (
        re.compile(rf"^\s*(?:editor{_APOSTROPHE}?s|editors{_APOSTROPHE})\s+note\s*:", re.I),
        EDITORS_NOTE,
    ),
    (
        re.compile(rf"^\s*(?:translator{_APOSTROPHE}?s\s+note|TN)\s*:", re.I),
        TRANSLATORS_NOTE,
    ),
    (re.compile(r"^\s*sic!?\s*$", re.I), SIC),
)


def insertion_kind(insertion: str) -> InsertionKind:
    """The kind of `insertion`, given with its brackets: "[sic]" is SIC, "[the army]" EDITORIAL."""
    inner = insertion[1:-1] if insertion.startswith("[") else insertion
    for pattern, kind in _TYPED:
        if pattern.match(inner):
            return kind
    return EDITORIAL


def marked_insertion(insertion: str) -> SafeString:
    """One insertion (brackets kept, so it reads the same without styles) in its markup.

    An editorial insertion is an <ins>; a note or a [sic] is a note with its kind as its
    accessible name, so that a screen reader says whose words these are.
    """
    kind = insertion_kind(insertion)
    if kind is EDITORIAL:
        return format_html(
            '<ins class="{}" title="{}">{}</ins>', kind.css_class, kind.label, insertion
        )
    return format_html(
        '<span class="{}" role="note" aria-label="{}" title="{}">{}</span>',
        kind.css_class,
        kind.label,
        kind.label,
        insertion,
    )


def _mark_text(text: str) -> str:
    """Mark the insertions in `text`, which is HTML-escaped already."""
    # The pattern is matched on escaped text: an apostrophe arrives as &#x27; and brackets and
    # words as they are, so each match is turned back into text before it is marked.
    return INSERTION.sub(lambda m: str(marked_insertion(unescape(m.group(0)))), text)


def insertions_html(text: str) -> SafeString:
    """`text` escaped, with each [bracketed insertion] marked by its kind."""
    return mark_safe(_mark_text(str(conditional_escape(text or ""))))


# An answer may carry italics and links, and nothing else: a reporter pastes from a document
# where titles are in italics and sources are linked.
ANSWER_TAGS = {"em", "i", "a"}
ANSWER_ATTRIBUTES = {"a": {"href", "title"}}
_answer_cleaner = nh3.Cleaner(
    tags=ANSWER_TAGS,
    attributes=ANSWER_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
    strip_comments=True,
)
_TAG = re.compile(r"(<[^>]*>)")


def clean_answer(text: str) -> str:
    """An answer as it is stored: every element but italics and links taken out.

    Plain text is left exactly as typed (an "&" stays an "&"), since the pages escape it; only
    text that carried markup the allow-list refuses is stored as the cleaner returned it.
    """
    if not text or "<" not in text:
        return text
    kept = "\n\n".join(_answer_cleaner.clean(block) for block in re.split(r"\n\s*\n", text))

    return text if unescape(kept) == unescape(text) else kept


# The markup an answer keeps (clean_answer): italics and links, opening and closing.
_KEPT_MARKUP = re.compile(r"</?(?:em|i|a)\b[^>]*>", re.IGNORECASE)


def answer_words(text: str) -> str:
    """An answer's words without its italics and links, for views that compare or review words
    (revision compare, translation review): markup there would be shown as raw tags."""
    if not text or not _KEPT_MARKUP.search(text):
        return text  # plain text, shown escaped wherever it is shown
    return unescape(_KEPT_MARKUP.sub("", text))


def answer_html(paragraph: str, *, marked: bool = True) -> SafeString:
    """One paragraph of an answer for a page: italics and links kept, everything else escaped or
    removed, and its insertions marked (in the text between tags, never inside a link's address)."""
    cleaned = _answer_cleaner.clean(paragraph or "")
    if not marked:  # feeds: a reader's feed app has none of the page's styles
        return mark_safe(cleaned)
    parts = _TAG.split(cleaned)
    return mark_safe(
        "".join(part if index % 2 else _mark_text(part) for index, part in enumerate(parts))
    )
