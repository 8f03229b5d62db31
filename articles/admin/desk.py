"""The desk's pages of a story: workflow buttons, bulk moves, the staff preview, paste copy and
the story file format it reads."""

from functools import cache
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from .. import changes, checklist, permissions, workflow
from ..forms import (
    BoundedDateTimeField,
    PasteCopyForm,
)
from ..models import (
    Article,
)
from ..redirects import safe_next
from .base import StoryAdminBase

# docs/story-format.md, packaged beside this module (a link to it in the checkout), so that the
# help page works wherever the site is installed.
STORY_FORMAT = Path(__file__).with_name("story-format.md")

# The story form's submit buttons that move the story after saving it name the move here.
MOVE = "_move"


def render_document(text: str) -> SafeString:
    """Markdown to HTML for a help page: CommonMark with tables, and no HTML from the text.

    Raw HTML in the document comes out as text, and links may not be javascript: or the like
    (markdown-it's own link check), so the page shows what the file says and runs nothing.
    """
    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    return mark_safe(renderer.render(text))


@cache
def story_format_html() -> SafeString:
    return render_document(STORY_FORMAT.read_text(encoding="utf-8"))


class DeskViews(StoryAdminBase):
    """The workflow buttons, the bulk moves, the staff preview and paste copy: pages of the story
    admin (ArticleAdmin mixes this in; it gives _story_or_404 and _page)."""

    # Workflow: each button posts here; workflow.transition() decides and records.
    def transition_view(self, request, pk, name):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._story_or_404(request, pk)
        back = safe_next(request, reverse("admin:articles_article_change", args=[pk]))
        publish_at = None
        if name == "schedule":
            field = BoundedDateTimeField(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
            try:
                publish_at = field.clean(request.POST.get("publish_at", ""))
            except forms.ValidationError:
                self.message_user(
                    request, "Give the publication time as a date and a time.", messages.ERROR
                )
                self._keep_move(request, obj, name)
                return redirect(back)
        try:
            change = workflow.transition(
                obj,
                name,
                by=request.user,
                comment=request.POST.get("comment", ""),
                publish_at=publish_at,
            )
        except (workflow.TransitionNotAllowed, PermissionDenied) as refusal:
            self.message_user(request, f"“{obj}”: {refusal}", messages.ERROR)
            self._keep_move(request, obj, name)
            return redirect(back)
        spec = workflow.TRANSITIONS[name]
        self.message_user(
            request,
            f"“{obj}”: {spec.label.lower()} done; the story is now "
            f"{Article.Status(change.to_status).label.lower()}.",
            messages.SUCCESS,
        )
        if not self.has_view_permission(request, obj):
            return redirect("admin:index")
        return redirect(back)

    # The story form's "Save and ..." buttons: the save and the move in one transaction.
    def move_from_form(self, request, article, name):
        """Make the move pressed on the story form, after its save, in the same transaction.

        Chainable moves go as far as the button says in one action (workflow.advance: "Save and
        publish" submits, approves and publishes, each move recorded); the others are one move.
        A refusal raises ChangeRefused, which undoes the save as well and shows the form again
        as typed, with the reason.
        """
        spec = workflow.TRANSITIONS.get(name)
        if spec is None:
            raise changes.ChangeRefused(f"There is no workflow step called “{name[:40]}”.")
        comment = request.POST.get(f"move_comment_{name}", "")
        publish_at = None
        if name == "schedule":
            typed = request.POST.get("move_publish_at", "").strip()
            if typed:
                field = BoundedDateTimeField(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
                try:
                    publish_at = field.clean(typed)
                except forms.ValidationError:
                    raise changes.ChangeRefused(
                        "Nothing was saved: give the publication time as a date and a time."
                    ) from None
            else:
                publish_at = article.published_at
        try:
            if name in workflow.CHAINABLE:
                made = workflow.advance(
                    article, spec.target, by=request.user, comment=comment, publish_at=publish_at
                )
            else:
                made = [workflow.transition(article, name, by=request.user, comment=comment)]
        except (workflow.TransitionNotAllowed, PermissionDenied) as refusal:
            raise changes.ChangeRefused(
                f"Nothing was saved and the story was not moved. {refusal}"
            ) from None
        request.desk_moves = made

    def _moved_response(self, request, obj):
        """After "Save and ...": say what was done, move by move, and stay with the story."""
        made = request.desk_moves
        road = " → ".join(
            [Article.Status(made[0].from_status).label.lower()]
            + [Article.Status(change.to_status).label.lower() for change in made]
        )
        moves = f"{len(made)} moves, each in the workflow history" if len(made) > 1 else "1 move"
        now = Article.Status(made[-1].to_status).label.lower()
        self.message_user(
            request, f"“{obj}”: saved, and now {now} ({road}; {moves}).", messages.SUCCESS
        )
        if self.has_view_permission(request, obj):
            return redirect(reverse("admin:articles_article_change", args=[obj.pk]))
        return redirect("admin:index")

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "desk_moves", None):
            return self._moved_response(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, "desk_moves", None):
            return self._moved_response(request, obj)
        return super().response_change(request, obj)

    def form_moves(self, request, obj):
        """What the story form offers to do after saving: the single moves of the workflow panel
        and the one-action roads to published and scheduled, with the checklist they need (and,
        on a new story for someone who may not publish, Save and submit)."""
        article = obj if obj is not None else Article(created_by=request.user)
        single = workflow.available_transitions(article, by=request.user) if obj else []
        roads = {}
        for name in ("publish", "schedule"):
            road = workflow.path_to(article, workflow.TRANSITIONS[name].target, by=request.user)
            if road:
                roads[name] = road
        if obj is None and not roads:
            road = workflow.path_to(article, Article.Status.EDITING, by=request.user)
            if road:
                roads["submit"] = road
        items = []
        if roads.keys() & {"publish", "schedule"}:
            if obj is not None:
                # Scheduling is judged on the time given when the button is pressed.
                items = [item for item in checklist.items(obj) if item.key != "time"]
            else:
                items = [
                    checklist.Item(key, label, False)
                    for key, label in (
                        ("section", "A section"),
                        ("byline", "A byline"),
                        ("dek", "A standfirst"),
                        ("alt_text", "Alt text on every picture"),
                        ("translation", "The translation reviewed, if translated"),
                    )
                ]
        return {
            "moves_in_form": True,
            # The panel's moves; publishing and scheduling are the submit row's (the roads).
            "form_transitions": [t for t in single if t.name not in roads],
            "roads": [
                {
                    "name": name,
                    "label": f"Save and {workflow.TRANSITIONS[name].label.lower()}",
                    "moves": [spec.label for spec in road],
                }
                for name, road in roads.items()
            ],
            "checklist": items,
            "checklist_known": obj is not None,
        }

    KEPT_MOVE = "desk:kept-move"

    def _keep_move(self, request, obj, name):
        """A refused move keeps its comment and time for the panel to show again (the words of a
        withdrawal reason must not be lost because a colleague moved the story first)."""
        comment = request.POST.get("comment", "")
        if comment.strip() or request.POST.get("publish_at"):
            request.session[self.KEPT_MOVE] = {
                "story": obj.pk,
                "transition": name,
                "comment": comment[:10_000],
                "publish_at": request.POST.get("publish_at", "")[:40],
            }

    def _kept_move(self, request, obj):
        kept = request.session.get(self.KEPT_MOVE)
        if not kept or kept.get("story") != obj.pk:
            return None
        del request.session[self.KEPT_MOVE]
        return kept

    # Bulk actions for editors: each story goes through workflow.transition() on its own.
    def _move_selected(self, request, queryset, name):
        moved = 0
        for article in queryset:
            try:
                workflow.transition(article, name, by=request.user)
                moved += 1
            except (workflow.TransitionNotAllowed, PermissionDenied) as refusal:
                self.message_user(request, f"“{article}”: {refusal}", messages.WARNING)
        if moved:
            label = workflow.TRANSITIONS[name].label.lower()
            self.message_user(
                request,
                f"{label.capitalize()}: {moved} stor{'y' if moved == 1 else 'ies'} moved.",
                messages.SUCCESS,
            )

    @admin.action(description="Approve selected stories", permissions=["desk"])
    def approve_selected(self, request, queryset):
        self._move_selected(request, queryset, "approve")

    @admin.action(description="Send selected stories to translation review", permissions=["desk"])
    def send_selected_to_translation_review(self, request, queryset):
        self._move_selected(request, queryset, "send_to_translation_review")

    @admin.action(description="Publish selected stories now", permissions=["desk"])
    def publish_selected(self, request, queryset):
        self._move_selected(request, queryset, "publish")

    def has_desk_permission(self, request):
        return permissions.is_editor(request.user)

    # Staff preview: the story as readers will see it, in whatever state it is in.
    def preview_view(self, request, pk):
        self._story_or_404(request, pk)
        article = Article.objects.for_page().prefetch_related("corrections").get(pk=pk)
        template = (
            "interviews/interview_detail.html"
            if article.is_interview
            else "articles/article_detail.html"
        )
        response = TemplateResponse(request, template, {"article": article, "is_preview": True})
        # A draft is nobody's business outside the newsroom: never cached, never indexed.
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def paste_copy_view(self, request):
        if not permissions.can_add_article(request.user):
            raise PermissionDenied
        from .. import importer

        form = PasteCopyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                story = importer.parse_story(form.cleaned_data["text"], filename="pasted copy")
                result = importer.save_story(story, by=request.user)
            except importer.StoryFormatError as error:
                form.add_error("text", str(error))
            except PermissionDenied as refusal:
                form.add_error("text", str(refusal))
            else:
                level = messages.WARNING if result.action == "skipped" else messages.SUCCESS
                self.message_user(request, result.message, level)
                return redirect(reverse("admin:articles_article_change", args=[result.article.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Paste copy",
            "form": form,
            "opts": self.opts,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/articles/article/paste_copy.html", context)

    def story_format_view(self, request):
        """The story file format, for everyone on the desk (admin_view keeps others out)."""
        context = {
            **self.admin_site.each_context(request),
            "title": "The story file format",
            "opts": self.opts,
            "document": story_format_html(),
            "may_paste": permissions.can_add_article(request.user),
        }
        return TemplateResponse(request, "admin/articles/article/story_format.html", context)
