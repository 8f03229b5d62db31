"""A reporter's notices on the desk home (templates/admin/index.html lists them): marked read
here. A page of the story admin (ArticleAdmin mixes this in), so it lives under /admin/ with the
rest of the desk; there is nothing to browse or edit, so the notices have no admin of their own."""

from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect

from .. import notices
from .base import StoryAdminBase


class NoticeViews(StoryAdminBase):
    def mark_notices_read_view(self, request):
        """Mark the posted notices read; only the person's own (another's ids change nothing)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ids = [value for value in request.POST.getlist("notice") if value.isdigit()]
        notices.mark_read(request.user, ids)
        return redirect("admin:index")
