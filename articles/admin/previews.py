"""The story form's preview links: the panel listing a story's open links, and the two buttons
behind it (make a link, revoke one). Both post to the door (articles/changes/previews.py), which
decides who may; nothing here writes."""

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from .. import changes, desk_time, permissions, previews
from ..forms import BoundedDateTimeField
from ..models import Article, PreviewLink
from .base import StoryAdminBase, story_visible

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def _local_input(value: datetime) -> str:
    return timezone.localtime(value).strftime(LOCAL_INPUT)


class PreviewViews(StoryAdminBase):
    """Preview links on the story form (ArticleAdmin mixes this in)."""

    def preview_links_context(self, request: HttpRequest, obj: Article) -> dict[str, Any]:
        """The panel's links (open ones, newest first, each with its address and how often it was
        opened: one query) and whether this person may make more."""
        # Whether this person may open the story was asked already for this request.
        visible = story_visible(request, obj)
        may_revoke = permissions.can_revoke_preview(request.user, obj, visible=visible)
        may_share = may_revoke and permissions.can_share_preview(request.user, obj, visible=visible)
        if not may_revoke:
            return {"preview_panel": False}
        now = timezone.now()
        links = list(
            PreviewLink.objects.filter(article=obj, revoked_at=None, expires_at__gt=now)
            .select_related("created_by")
            .annotate(opened=Count("openings"))
            .order_by("-created_at", "-pk")
        )
        for link in links:
            link.url = previews.preview_url(link)  # type: ignore[attr-defined]
        return {
            "preview_panel": True,
            "preview_links": links,
            "can_share_preview": may_share,
            "preview_default_expiry": _local_input(now + previews.DEFAULT_LIFETIME),
            "preview_min_expiry": _local_input(now + previews.SHORTEST_LIFETIME),
            "preview_max_expiry": _local_input(now + previews.LONGEST_LIFETIME),
            "preview_zone": desk_time.zone_id(),
        }

    # The two buttons. Unannotated, as the admin's other views: request.user is a staff member
    # here (admin_view() let nobody else in), which the door's `by` says.
    def create_preview_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._story_or_404(request, pk)
        back = reverse("admin:articles_article_change", args=[pk]) + "#preview-links"
        expires_at = None
        typed = request.POST.get("expires_at", "").strip()
        if typed:
            field = BoundedDateTimeField(input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M"])
            try:
                expires_at = field.clean(typed)
            except forms.ValidationError:
                self.message_user(
                    request, "Give the link's expiry as a date and a time.", messages.ERROR
                )
                return redirect(back)
        try:
            link = changes.create_preview_link(obj, by=request.user, expires_at=expires_at)
        except PermissionDenied as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return redirect(back)
        self.message_user(
            request,
            f"Preview link made, open until {desk_time.shown(link.expires_at)}: "
            f"{previews.preview_url(link)}",
            messages.SUCCESS,
        )
        return redirect(back)

    def revoke_preview_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._story_or_404(request, pk)
        back = reverse("admin:articles_article_change", args=[pk]) + "#preview-links"
        typed = request.POST.get("link", "")
        link = None
        if typed.isdigit() and len(typed) < 19:
            link = PreviewLink.objects.filter(article=obj, pk=int(typed)).first()
        if link is None:
            self.message_user(request, "No such preview link on this story.", messages.ERROR)
            return redirect(back)
        try:
            changes.revoke_preview_link(link, by=request.user)
        except PermissionDenied as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return redirect(back)
        self.message_user(
            request, "Preview link revoked: it no longer opens the story.", messages.SUCCESS
        )
        return redirect(back)
