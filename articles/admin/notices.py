"""A reporter's notices on the desk home: marked read here (the list itself is on the home page,
templates/admin/index.html). Registered so that its address lives under /admin/ with the rest of
the desk, and hidden from the app list: there is nothing to browse or edit."""

from django.contrib import admin
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path

from .. import notices
from ..models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return False

    def has_view_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view(self.mark_read_view)
        return [path("read/", view, name="articles_notice_read")]

    def mark_read_view(self, request):
        """Mark the posted notices read; only the person's own (another's ids change nothing)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ids = [value for value in request.POST.getlist("notice") if value.isdigit()]
        notices.mark_read(request.user, ids)
        return redirect("admin:index")
