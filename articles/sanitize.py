"""The allow-list for story HTML. Everything a story's body may contain is named here."""

import nh3

from .body_media import normalise

# Block and inline elements the body editor produces, and nothing that can run, load or style.
ALLOWED_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "ul",
    "ol",
    "li",
    "hr",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "code",
    "a",
    "figure",
    "figcaption",
    "q",
    "cite",
    "abbr",
    # A library picture and an embed, by reference (articles/body_media.py).
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "ol": {"start"},
    "q": {"cite"},
    "img": {"alt", "data-image"},
    "figure": {"data-embed", "data-embed-id"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def sanitize_html(html: str) -> str:
    """Return `html` with every element, attribute and URL outside the allow-list removed."""
    if not html:
        return ""
    cleaned = _cleaner.clean(html).strip()
    # Removing an element can leave markup the parser reads differently the next time (an <a>
    # nested in an <a> once an <object> between them is gone); clean until nothing changes, so
    # that what is stored is stable under another save.
    for _ in range(3):
        again = _cleaner.clean(cleaned).strip()
        if again == cleaned:
            break
        cleaned = again
    # Pictures and embeds in their stored form; a picture left out may leave space at an end.
    cleaned = normalise(cleaned).strip()
    # The editor leaves an empty paragraph behind in an empty field; store that as empty.
    return "" if cleaned in {"<p></p>", "<p><br></p>"} else cleaned
