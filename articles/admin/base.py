"""What the story admin's own pages share: finding the story a person may open, and drawing a
desk page around it. The desk, history and review views build on it; ArticleAdmin joins them."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse

from .. import permissions
from ..models import Article

# Requests that change nothing: what they learn about a story holds for the whole request.
READING = ("GET", "HEAD")


def story_visible(request: HttpRequest, obj: Article | None) -> bool:
    """permissions.can_view_article, asked once per story in a request that changes nothing.

    Django's admin asks the question many times while drawing one form (the page, each inline);
    the answer comes from articles/permissions.py, only remembered for the rest of the request.
    """
    if obj is None or obj.pk is None or request.method not in READING:
        return permissions.can_view_article(request.user, obj)
    answers = request.__dict__.setdefault("_story_visible", {})
    key = (request.user.pk, obj.pk, obj.status, obj.original_language, obj.created_by_id)
    if key not in answers:
        answers[key] = permissions.can_view_article(request.user, obj)
    return answers[key]


class StoryAdminBase(admin.ModelAdmin):
    def get_object(self, request, object_id, from_field=None):
        # The change view and Django's form view each fetch the story; once is enough when the
        # request changes nothing.
        if request.method not in READING:
            return super().get_object(request, object_id, from_field)
        fetched = request.__dict__.setdefault("_stories_fetched", {})
        key = (str(object_id), from_field)
        if key not in fetched:
            fetched[key] = super().get_object(request, object_id, from_field)
        return fetched[key]

    def _story_or_404(self, request: HttpRequest, pk: Any) -> Article:
        obj = self.get_queryset(request).filter(pk=pk).first()
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404("No such story, or not one you may open.")
        return obj

    def _page(
        self,
        request: HttpRequest,
        obj: Article | None,
        title: str,
        template: str,
        status: int = 200,
        **context: Any,
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "original": obj,
            "media": forms.Media(css={"all": ["admin-extra/desk.css"]}),
            **context,
        }
        return TemplateResponse(request, template, context, status=status)
