"""A story's text where the person may read but not change it: shown as the text it is, with its
paragraphs and emphasis, rather than as markup. The admin would print the stored HTML escaped
("<p>The bakery ..."); this prints it sanitised again on the way out, as the public page does."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..sanitize import sanitize_html
from .base import StoryAdminBase

READ_ONLY_BODY = "body_as_read"


def readable_names(names):
    """`names` (fields or read-only fields) with the text shown as text when it is read only."""
    return tuple(READ_ONLY_BODY if name == "body" else name for name in names)


class ReadableText(StoryAdminBase):
    """Mixed into ArticleAdmin: the read-only form of the story's text."""

    @admin.display(description="text")
    def body_as_read(self, obj):
        # sanitize_html keeps only the body's own allow-list: nothing in it can run script.
        return format_html(
            '<div class="readonly-body">{}</div>', mark_safe(sanitize_html(obj.body or ""))
        )
