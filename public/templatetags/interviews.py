"""Template filters for interview copy: insertions marked by their kind, answers' italics and
links kept, everything else escaped."""

from django import template
from django.utils.safestring import SafeString

from interviews.markup import answer_html, insertions_html
from interviews.parsing import paragraphs

register = template.Library()


@register.filter
def insertions(text: str) -> SafeString:
    """Escape `text`, then mark each [bracketed insertion] by its kind.

    Escaping comes first so that nothing the copy contains can become markup; the brackets stay
    in the text so that a reader (or a screen reader) still sees where the editor spoke. An
    editorial insertion is an <ins class="insertion">; an editor's note, a translator's note and
    a [sic] are notes named by their kind (interviews/markup.py).
    """
    return insertions_html(text)


@register.filter
def answer(paragraph: str) -> SafeString:
    """One paragraph of an answer: its italics and links kept (cleaned), its insertions marked."""
    return answer_html(paragraph)


@register.filter
def plain_paragraphs(text: str) -> list[str]:
    """Split source text into paragraphs at blank lines (as the source fields store it)."""
    return paragraphs(text)
