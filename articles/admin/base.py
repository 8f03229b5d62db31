"""What the story admin's own pages share: finding the story a person may open, and drawing a
desk page around it. The desk, history and review views build on it; ArticleAdmin joins them."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse

from ..models import Article


class StoryAdminBase(admin.ModelAdmin):
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
