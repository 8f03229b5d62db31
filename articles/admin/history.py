"""A story's revisions in the desk: listed, compared, restored through the door."""

from itertools import pairwise

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect

from .. import changes, permissions, revisions
from .base import StoryAdminBase


class HistoryViews(StoryAdminBase):
    """Revisions of a story: the list, a comparison of two, a restore (mixed into ArticleAdmin)."""

    # Revisions
    def revisions_view(self, request, pk):
        obj = self._story_or_404(request, pk)
        every = self._revisions_for(request, obj)
        # What each save changed, against the one before it.
        changed = {
            newer.history_id: revisions.changed_labels(older, newer)
            for newer, older in pairwise(every)
        }
        return self._page(
            request,
            obj,
            f"Revisions of “{obj}”",
            "admin/articles/article/revisions.html",
            revisions=[(revision, changed.get(revision.history_id)) for revision in every],
            can_restore=permissions.can_restore_revision(request.user, obj),
        )

    def compare_view(self, request, pk):
        obj = self._story_or_404(request, pk)
        every = {r.history_id: r for r in self._revisions_for(request, obj)}
        try:
            a, b = every[int(request.GET["a"])], every[int(request.GET["b"])]
        except (KeyError, ValueError):
            self.message_user(
                request, "Choose two revisions of this story to compare.", messages.ERROR
            )
            return redirect("admin:articles_article_revisions", pk=pk)
        older, newer = sorted((a, b), key=lambda r: r.number)
        return self._page(
            request,
            obj,
            f"Revision {older.number} against {newer.number} of “{obj}”",
            "admin/articles/article/revision_compare.html",
            older=older,
            newer=newer,
            differences=revisions.compare(older, newer),
            source_dir="rtl" if obj.original_is_right_to_left else "auto",
            can_restore=permissions.can_restore_revision(request.user, obj),
        )

    def _revisions_for(self, request, obj):
        """The revisions this person may read: a story's drafts are its writer's and the desk's;
        a translator joining at submission sees it from there on."""
        return revisions.seen_since(
            revisions.revisions(obj), permissions.history_horizon(request.user, obj)
        )

    def restore_view(self, request, pk, history_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._story_or_404(request, pk)
        revision = revisions.get_revision(obj, history_id)
        if revision is None:
            self.message_user(request, "That revision does not exist.", messages.ERROR)
            return redirect("admin:articles_article_revisions", pk=pk)
        try:
            changes.restore_revision(obj, revision, by=request.user)
        except changes.ChangeRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return redirect("admin:articles_article_revisions", pk=pk)
        self.message_user(
            request, f"Revision {revision.number} restored, as a new revision.", messages.SUCCESS
        )
        return redirect("admin:articles_article_change", pk)
