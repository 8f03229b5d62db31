"""The story form's autosave: a small JSON endpoint, and the offer to restore on reopening.

What may be kept and who may read it is articles/autosave.py's to say; this is the glue. The
form's script (static/admin-extra/story-form.js) posts here with the form's CSRF token.
"""

from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.urls import reverse
from django.utils import timezone

from .. import autosave, permissions
from .base import StoryAdminBase


def local_time_label(at) -> str:
    """A time as the desk says it: in the newsroom's time zone, named, with the day if not today."""
    local = timezone.localtime(at)
    today = timezone.localdate()
    day = "" if local.date() == today else f"{local:%d %B %Y}, "
    return f"{day}{local:%H:%M} ({local.tzname()})"


class AutosaveViews(StoryAdminBase):
    """Mixed into the story admin (it gives _story_or_404)."""

    def autosave_view(self, request, pk=None):
        """POST: keep what is typed (discard=1: forget it). JSON either way."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = None
        if pk is not None:
            try:
                article = self._story_or_404(request, pk)
            except Http404:
                return JsonResponse({"error": permissions.NOT_YOURS}, status=404)
        if request.POST.get("discard"):
            autosave.discard(request.user, article)
            return JsonResponse({"discarded": True})
        try:
            kept = autosave.save(request.user, article, request.POST)
        except autosave.AutosaveTooLarge as refusal:
            return JsonResponse({"error": str(refusal)}, status=413)
        except autosave.AutosaveRefused as refusal:
            return JsonResponse({"error": str(refusal)}, status=403)
        return JsonResponse(
            {"saved_at": kept.saved_at.isoformat(), "label": local_time_label(kept.saved_at)}
        )

    def autosave_context(self, request, obj):
        """What the form's script needs: where to autosave, and an autosave to offer back."""
        if not autosave.may_autosave(request.user, obj):
            return {}
        url = (
            reverse("admin:articles_article_autosave", args=[obj.pk])
            if obj is not None
            else reverse("admin:articles_article_autosave_new")
        )
        context: dict[str, object] = {
            "autosave_url": url,
            "autosave_key": f"{request.user.pk}:{autosave.key_for(obj)}",
            # The browser's copy is dated in the newsroom's time zone too, whatever the laptop's.
            "autosave_time_zone": timezone.get_current_timezone_name(),
        }
        # A form sent back refused already holds what was typed: nothing to offer over it.
        offer = autosave.offer(request.user, obj) if request.method == "GET" else None
        if offer is not None:
            context["autosave_offer"] = {
                "label": local_time_label(offer.saved_at),
                "saved_at": offer.saved_at.isoformat(),
                "story_saved_since": offer.story_saved_since,
                "data": offer.data,
            }
        return context
