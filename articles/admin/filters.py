"""The story list's filters typed into a box, and its rows without their long texts."""

from typing import cast

from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict

from ..models import (
    ArticleQuerySet,
    Byline,
)


class InputFilter(admin.SimpleListFilter):
    """A filter typed into a box rather than picked from a list of links.

    A newsroom has hundreds of tags and contributors: listed as links they cost two queries and
    a third of the story list's time at 100,000 stories, and nobody scrolls through them.
    """

    template = "admin/input_filter.html"

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def value(self):
        return (super().value() or "").strip()[:100] or None

    def choices(self, changelist):
        others = QueryDict(
            changelist.get_query_string(remove=[self.parameter_name, PAGE_VAR]).lstrip("?")
        )
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "All",
            "parameter_name": self.parameter_name,
            "value": self.value() or "",
            "hidden": [(name, value) for name in others for value in others.getlist(name)],
        }


class ContributorFilter(InputFilter):
    """Stories crediting a contributor whose name holds what was typed."""

    title = "contributor"
    parameter_name = "contributor"

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        # EXISTS, not a join: no DISTINCT over whole story rows, and no duplicate rows.
        credited = Byline.objects.filter(article=OuterRef("pk"))
        if is_small_number(self.value()):
            credited = credited.filter(contributor_id=int(self.value()))
        else:
            credited = credited.filter(contributor__name__icontains=self.value())
        return queryset.filter(Exists(credited))


class TagFilter(InputFilter):
    """Stories with the tag typed (its name or its slug, in any case)."""

    title = "tag"
    parameter_name = "tag"

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        from taggit.models import TaggedItem

        tagged = TaggedItem.objects.filter(
            Q(tag__name__iexact=self.value()) | Q(tag__slug=self.value()),
            object_id=OuterRef("pk"),
            content_type__app_label="articles",
            content_type__model="article",
        )
        return queryset.filter(Exists(tagged))


class StoryChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        # The list shows no long text: leave fifty stories' bodies in the database.
        queryset = super().get_queryset(request, exclude_parameters)
        return cast(ArticleQuerySet, queryset).without_text()


def is_small_number(text: str) -> bool:
    """Digits a person could mean as a row or an id ("²" and 4,000-digit numbers are not)."""
    return text.isascii() and text.isdigit() and len(text) <= 9
