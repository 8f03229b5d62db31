"""Template filters for interview copy: editorial insertions marked up, everything else escaped."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from interviews.parsing import INSERTION

register = template.Library()


@register.filter
def insertions(text: str) -> SafeString:
    """Escape `text`, then wrap each [bracketed insertion] in <ins class="insertion">.

    Escaping comes first so that nothing the copy contains can become markup; the brackets stay
    in the text so that a reader (or a screen reader) still sees where the editor spoke.
    """
    escaped = str(conditional_escape(text or ""))
    return mark_safe(
        INSERTION.sub(
            lambda m: f'<ins class="insertion" title="Editorial insertion">{m.group(0)}</ins>',
            escaped,
        )
    )


@register.filter
def plain_paragraphs(text: str) -> list[str]:
    """Split source text into paragraphs at blank lines (as the source fields store it)."""
    from interviews.parsing import paragraphs

    return paragraphs(text)
