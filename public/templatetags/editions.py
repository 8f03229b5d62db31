"""Template tags of the original-language editions (public/editions.py)."""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime

from articles.models import Article
from articles.search import snippet_for

register = template.Library()


@register.simple_tag(takes_context=True)
def say(context, key: str, **values: object) -> SafeString:
    """{% say "page_of" number=2 total=5 %}: the edition's words for `key`, the values escaped."""
    words = context["edition"].words[key]
    return format_html(words, **values) if values else conditional_escape(words)


@register.simple_tag
def original_snippet(article: Article, query: str) -> SafeString:
    """The highlighted snippet of a story's original text, for the edition's search."""
    return snippet_for(article, query, original=True)


@register.filter
def section_url(edition, section) -> str:
    """{{ edition|section_url:section }}: the section's page in the edition."""
    return edition.section_url(section)


@register.simple_tag
def time_element(value, format_string: str = "j F Y") -> SafeString:
    """{% time_element article.published_at as when %}: a <time> element with the date as the
    active language writes it, to hand to {% say %} as one value."""
    local = localtime(value)
    return format_html(
        '<time datetime="{}">{}</time>', date_filter(local, "c"), date_filter(local, format_string)
    )
