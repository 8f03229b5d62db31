"""The newsroom's admin: stories with their credits and exchanges, contributors, sections, images.

Who may do what to which story is decided in articles/permissions.py; the state of a story moves
only through articles/workflow.py. These classes ask both and never decide on their own.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from taggit.models import Tag

from interviews.admin import ExchangeInline, InterviewInline

from . import changes, permissions, revisions, search, translation, workflow
from .forms import (
    ArticleAdminForm,
    BoundedDateTimeField,
    BoundedSplitDateTimeField,
    ImageAdminForm,
    OrderedInlineFormSet,
    PasteCopyForm,
    PositionedRowForm,
    new_corrections,
    story_changes,
)
from .inlines import StoryPartInline
from .models import (
    Article,
    AuditEntry,
    Byline,
    Contributor,
    Correction,
    Image,
    Section,
    StatusChange,
)
from .redirects import safe_next

# The story fields people type into, in the order the form shows them.
ARTICLE_FORM_FIELDS = list(ArticleAdminForm.Meta.fields)
# Shown on the form, changed only by the workflow or by saving.
ARTICLE_RECORD_FIELDS = ("status", "withdrawn_reason", "created_by", "created_at", "updated_at")


class BylineForm(PositionedRowForm):
    class Meta:
        model = Byline
        fields = ("position", "contributor", "role")


class BylineInline(StoryPartInline, admin.TabularInline):
    """Credits in the order the story names them; renumber the positions to reorder."""

    model = Byline
    form = BylineForm
    formset = OrderedInlineFormSet
    extra = 1
    autocomplete_fields = ("contributor",)
    ordering = ("position",)


class CorrectionInline(admin.TabularInline):
    """Public corrections: editors append them to published stories; nobody rewrites one."""

    model = Correction
    extra = 0
    fields = ("text", "created_at", "created_by")
    readonly_fields = ("created_at", "created_by")
    can_delete = False
    verbose_name_plural = "public corrections"

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if self.has_add_permission(request, obj) else 0

    # The story's rules, not the Correction model's own permissions, decide here.
    def has_view_permission(self, request, obj=None):
        return obj is not None and permissions.can_view_article(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return permissions.can_add_correction(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
        return super().get_queryset(request, exclude_parameters).without_text()


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = (
        "headline",
        "kind",
        "section",
        "state",
        "credits",
        "tag_list",
        "published_at",
        "updated_at",
    )
    # By publication date with a filter rather than date_hierarchy, whose year links cost a
    # DISTINCT over the whole archive on every page (30-40 ms at 100,000 stories).
    list_filter = (
        "kind",
        "section",
        "status",
        ("published_at", admin.DateFieldListFilter),
        TagFilter,
        ContributorFilter,
    )
    # On PostgreSQL get_search_results() uses the stored full-text vector instead, which holds
    # all of these; these serve SQLite.
    search_fields = ("headline", "dek", "body", "bylines__contributor__name")
    search_help_text = "Words of the headline, standfirst, text or questions, or a contributor."
    list_select_related = ("section",)
    list_per_page = 50
    # No COUNT(*) of the whole archive on every filtered page.
    show_full_result_count = False
    inlines = (BylineInline, InterviewInline, ExchangeInline, CorrectionInline)
    actions = ("approve_selected", "send_selected_to_translation_review", "publish_selected")
    change_form_template = "admin/articles/article/change_form.html"
    fieldsets = (
        (None, {"fields": ("headline", "slug", "dek", "body", "kind", "section", "tags")}),
        ("Lead image", {"fields": ("lead_image",)}),
        (
            "Translation",
            {
                "fields": ("original_language", "source_headline", "source_dek", "source_body"),
                "description": "The original-language text the English was translated from.",
            },
        ),
        ("Publication", {"fields": ("published_at", *ARTICLE_RECORD_FIELDS)}),
    )
    autocomplete_fields = ("lead_image", "section")
    change_list_template = "admin/articles/article/change_list.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request).for_listing()
        return permissions.visible_articles(queryset, user=request.user)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "published_at" and field is not None:
            field = BoundedSplitDateTimeField(
                required=False,
                widget=field.widget,
                label=field.label,
                help_text=field.help_text,
            )
        return field

    def get_changelist(self, request, **kwargs):
        return StoryChangeList

    def get_search_results(self, request, queryset, search_term):
        """On PostgreSQL, every word (or the start of one) in the stored full-text vector.

        Django's search would run icontains over every story's text, joined to bylines and so
        wrapped in DISTINCT: 15-20 s at 100,000 stories. The GIN-indexed vector holds the
        headline, standfirst, text, exchanges and contributors' names; an exact slug matches too.
        """
        if not search.is_postgresql():
            return super().get_search_results(request, queryset, search_term)
        query = search.prefix_query(search_term)
        if query is None:
            return queryset, False
        return queryset.filter(Q(search_vector=query) | Q(slug=search_term.strip())), False

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and self.has_change_permission(request, obj):
            # The version the form was loaded with travels with it (optimistic locking).
            (name, options), *rest = fieldsets
            fieldsets = [
                (name, {**options, "fields": (*options["fields"], "loaded_version")}),
                *rest,
            ]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        limited = permissions.readonly_article_fields(request.user, obj, ARTICLE_FORM_FIELDS)
        return (*ARTICLE_RECORD_FIELDS, *(f for f in ARTICLE_FORM_FIELDS if f in limited))

    # Permissions: all from articles/permissions.py.
    def has_view_permission(self, request, obj=None):
        return permissions.can_view_article(request.user, obj)

    def has_add_permission(self, request):
        return permissions.can_add_article(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_change_article(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_delete_article(request.user, obj)

    # Saving: nothing here writes. save_related() hands the form and its inlines to the door
    # (articles/changes.py) at once, which decides on the story as it was, writes, records the
    # revision and the audit row, and announces the change.
    def save_model(self, request, obj, form, change):
        pass

    def save_related(self, request, form, formsets, change):
        edit = story_changes(form, formsets)
        if change:
            article, changed = changes.edit_story(form.instance, edit, by=request.user)
        else:
            article = changes.create_story(edit, by=request.user)
            changed = {"story"}
            form.instance.pk = article.pk
            form.instance._state.adding = False
        for name in ("slug", "version", "created_by_id", "created_at", "updated_at"):
            setattr(form.instance, name, getattr(article, name))
        for text in new_corrections(formsets):
            changes.add_correction(article, text, by=request.user)
            changed.add("corrections")
        form.door_changed = changed

    def construct_change_message(self, request, form, formsets, add=False):
        if add:
            return [{"added": {}}]
        changed = getattr(form, "door_changed", set())
        labels = sorted(permissions.CHANGE_LABELS.get(name, name) for name in changed)
        return [{"changed": {"fields": labels}}] if labels else []

    def delete_model(self, request, obj):
        changes.delete_story(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            changes.delete_story(article, by=request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        for name in ("source_headline", "source_dek", "source_body"):
            if name in form.base_fields:
                form.base_fields[name].widget.attrs["dir"] = "auto"
        if "source_body" in form.base_fields:
            form.base_fields["source_body"].widget = forms.Textarea(
                attrs={"rows": 12, "cols": 80, "dir": "auto"}
            )
        refusal = getattr(request, "story_refusal", None)
        if refusal:
            form = type(form.__name__, (form,), {"refusal": refusal})
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id:
            obj = self.get_object(request, unquote(object_id))
            if obj is None:
                # Never existed, deleted, or no longer one this person may open: the same words
                # for all three, and what they typed is given back to them.
                return self.kept_changes_view(request, None, permissions.NOT_YOURS)
            if not self.has_change_permission(request, obj):
                # The story moved on (submitted, passed...) while this person had it open.
                reason = (
                    f"“{obj}” is now {obj.get_status_display().lower()} and you can no longer "
                    "change it, so your changes were not saved."
                )
                return self.kept_changes_view(request, obj, reason)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except changes.ChangeRefused as refusal:
            # Everything was rolled back. Show the form again, as typed, with the reason.
            request.story_refusal = str(refusal)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (changes.ChangeRefused, PermissionDenied) as refusal:
            obj = self.get_object(request, unquote(object_id)) if object_id else None
            return self.kept_changes_view(request, obj, str(refusal))

    def kept_changes_view(self, request, obj, reason):
        """A save that could not be made: the reason, and everything the person typed, to copy."""
        typed = kept_text(request.POST)
        visible = obj is not None and self.has_view_permission(request, obj)
        return self._page(
            request,
            obj if visible else None,
            "Your changes were not saved",
            "admin/articles/article/kept_changes.html",
            reason=reason,
            typed=typed,
            status=409,
        )

    def changelist_view(self, request, extra_context=None):
        # Eight columns and the filters beside them: with the app list on the left as well, a
        # 1280px screen left the headlines five lines tall and the dates scrolled out of sight.
        # The app list is one click away on the home page and in the breadcrumbs.
        context = {"is_nav_sidebar_enabled": False, **(extra_context or {})}
        return super().changelist_view(request, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if obj is not None:
            context.update(self._desk_context(request, obj))
        return super().change_view(request, object_id, form_url, context)

    def _desk_context(self, request, obj):
        transitions = workflow.available_transitions(obj, by=request.user)
        kept_move = self._kept_move(request, obj)
        if kept_move is not None:
            # Back in its own form if that move is still offered, else shown to copy.
            kept_move["in_form"] = any(t.name == kept_move["transition"] for t in transitions)
        return {
            "transitions": transitions,
            "kept_move": kept_move,
            "status_changes": obj.status_changes.select_related("changed_by"),
            "can_review_translation": obj.is_translated,
            "stale_count": len(translation.stale_segments(obj)) if obj.is_translated else 0,
            "now_local": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "time_zone": timezone.get_current_timezone_name(),
        }

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The desk's own styles; served from our static files, never a CDN.
        context["media"] = context["media"] + forms.Media(css={"all": ["admin-extra/desk.css"]})
        return super().render_change_form(request, context, add, change, form_url, obj)

    # The changelist: bylines and tags come from get_queryset()'s prefetch, one query each.
    @admin.display(description="status", ordering="status")
    def state(self, obj):
        return obj.desk_status

    @admin.display(description="credits")
    def credits(self, obj):
        return format_html_join(
            ", ",
            "{} ({})",
            ((b.contributor.name, b.get_role_display().lower()) for b in obj.bylines.all()),
        )

    @admin.display(description="tags")
    def tag_list(self, obj):
        return ", ".join(sorted(tag.name for tag in obj.tags.all()))

    # Paste copy: a story file pasted as text, read by the importer.
    def get_urls(self):
        view = self.admin_site.admin_view
        urls = [
            path("paste/", view(self.paste_copy_view), name="articles_article_paste"),
            path(
                "<int:pk>/transition/<str:name>/",
                view(self.transition_view),
                name="articles_article_transition",
            ),
            path(
                "<int:pk>/revisions/",
                view(self.revisions_view),
                name="articles_article_revisions",
            ),
            path(
                "<int:pk>/revisions/compare/",
                view(self.compare_view),
                name="articles_article_compare",
            ),
            path(
                "<int:pk>/revisions/<int:history_id>/restore/",
                view(self.restore_view),
                name="articles_article_restore",
            ),
            path(
                "<int:pk>/translation/",
                view(self.translation_review_view),
                name="articles_article_translation",
            ),
            path("<int:pk>/preview/", view(self.preview_view), name="articles_article_preview"),
        ]
        return urls + super().get_urls()

    def _story_or_404(self, request, pk):
        obj = self.get_queryset(request).filter(pk=pk).first()
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404("No such story, or not one you may open.")
        return obj

    def _page(self, request, obj, title, template, status=200, **context):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "original": obj,
            "media": forms.Media(css={"all": ["admin-extra/desk.css"]}),
            **context,
        }
        return TemplateResponse(request, template, context, status=status)

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

    # Revisions
    def revisions_view(self, request, pk):
        obj = self._story_or_404(request, pk)
        every = self._revisions_for(request, obj)
        # What each save changed, against the one before it.
        changed = {
            newer.history_id: revisions.changed_labels(older, newer)
            for newer, older in zip(every, every[1:], strict=False)
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

    # Translation review: source and translation side by side, segment by segment.
    def translation_review_view(self, request, pk):
        obj = self._story_or_404(request, pk)
        may_confirm = permissions.can_review_translation(request.user, obj) and (
            obj.status != Article.Status.TRANSLATION_REVIEW
        )
        if request.method == "POST":
            stale = {row.segment.key for row in translation.stale_segments(obj)}
            if not may_confirm:
                self.message_user(
                    request,
                    "You cannot confirm this translation now. In translation review, pass it "
                    "with the button below.",
                    messages.ERROR,
                )
            elif not stale:
                self.message_user(request, "Nothing has changed since the last review.")
            else:
                try:
                    changes.confirm_translation(obj, by=request.user, keys=stale)
                except changes.ChangeRefused as refusal:
                    self.message_user(request, str(refusal), messages.ERROR)
                    return redirect("admin:articles_article_translation", pk=pk)
                self.message_user(
                    request,
                    f"{len(stale)} changed segment(s) reviewed again by you; the story may be "
                    "published.",
                    messages.SUCCESS,
                )
            return redirect("admin:articles_article_translation", pk=pk)
        rows = translation.review(obj)
        return self._page(
            request,
            obj,
            f"Translation review of “{obj}”",
            "admin/articles/article/translation_review.html",
            rows=rows,
            stale_count=sum(row.is_stale for row in rows),
            may_confirm=may_confirm,
            transitions=[
                t
                for t in workflow.available_transitions(obj, by=request.user)
                if t.name in ("pass_translation", "return_translation")
            ],
            source_dir="rtl" if obj.original_is_right_to_left else "ltr",
        )

    def paste_copy_view(self, request):
        if not permissions.can_add_article(request.user):
            raise PermissionDenied
        from . import importer

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


# The story form's text fields and the inlines' text fields, as the kept-changes page labels them.
KEPT_FIELDS = {
    "headline": "Headline",
    "slug": "Address",
    "dek": "Standfirst",
    "body": "Text",
    "tags": "Tags",
    "source_headline": "Original headline",
    "source_dek": "Original standfirst",
    "source_body": "Original text",
    "interview-0-interviewee_name": "Interviewee",
    "interview-0-interviewee_description": "Interviewee's description",
}
KEPT_EXCHANGE_FIELDS = {
    "question": "Question",
    "answer": "Answer",
    "question_original": "Original question",
    "answer_original": "Original answer",
}


def is_small_number(text: str) -> bool:
    """Digits a person could mean as a row or an id ("²" and 4,000-digit numbers are not)."""
    return text.isascii() and text.isdigit() and len(text) <= 9


def kept_text(data: QueryDict) -> list[tuple[str, str]]:
    """What a person typed into the story form, labelled, for them to copy when it could not be
    saved. Only their own words from their own request: nothing is read from the story."""
    typed = [(label, data.get(name, "")) for name, label in KEPT_FIELDS.items()]
    for key in data:
        prefix, _, name = key.rpartition("-")
        if prefix.startswith("exchanges-") and name in KEPT_EXCHANGE_FIELDS:
            number = prefix.removeprefix("exchanges-")
            if is_small_number(number):
                typed.append((f"{KEPT_EXCHANGE_FIELDS[name]} {int(number) + 1}", data[key]))
        elif prefix.startswith("corrections-") and name == "text":
            typed.append(("Correction", data[key]))
    return [(label, value) for label, value in typed if value.strip()]


class LibraryAdmin(admin.ModelAdmin):
    """Sections, contributors and images change through the door, as stories do: the role
    decides, an audit row records it, and the pages that show them follow."""

    def save_model(self, request, obj, form, change):
        changes.save_library_item(obj, by=request.user, changed=form.changed_data)

    def delete_model(self, request, obj):
        changes.delete_library_item(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            changes.delete_library_item(obj, by=request.user)


@admin.register(Contributor)
class ContributorAdmin(LibraryAdmin):
    list_display = ("name", "affiliation", "user")
    search_fields = ("name", "affiliation")
    autocomplete_fields = ("photo", "user")
    readonly_fields = ("created_at",)

    # Whose staff account a name is decides whose stories they own: the desk's to say, and
    # nobody else's to read.
    def get_list_display(self, request):
        if permissions.is_editor(request.user):
            return self.list_display
        return tuple(name for name in self.list_display if name != "user")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if permissions.is_editor(request.user):
            return fields
        return [name for name in fields if name != "user"]


@admin.register(Section)
class SectionAdmin(LibraryAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name",)


@admin.register(Image)
class ImageAdmin(LibraryAdmin):
    form = ImageAdminForm

    def get_queryset(self, request):
        return permissions.visible_images(super().get_queryset(request), user=request.user)

    list_display = ("thumbnail", "alt_text", "credit", "width", "height", "uploaded_at")
    search_fields = ("alt_text", "caption", "credit")
    readonly_fields = ("preview", "width", "height", "uploaded_at")
    fields = ("file", "preview", "alt_text", "caption", "credit", "width", "height")

    class Media:
        css = {"all": ["admin-extra/desk.css"]}  # .admin-thumbnail: no style="" under the CSP

    @admin.display(description="picture")
    def thumbnail(self, obj):
        return self._img(obj, 80)

    @admin.display(description="preview")
    def preview(self, obj):
        return self._img(obj, 320) if obj and obj.pk else "—"

    @staticmethod
    def _img(obj, width):
        if not obj.file:
            return "—"
        # format_html escapes the URL and the alt text, which are both typed by people.
        return format_html(
            '<img src="{}" alt="{}" width="{}" class="admin-thumbnail" loading="lazy">',
            obj.file.url,
            obj.alt_text,
            width,
        )


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    """The workflow audit trail, newsroom-wide: read only, written by workflow.transition()."""

    list_display = ("changed_at", "article", "from_status", "to_status", "changed_by", "comment")
    search_fields = ("article__headline", "comment", "changed_by__username")
    list_select_related = ("article", "changed_by")
    # A date filter, not date_hierarchy: its year links take any number (9999 overflowed).
    list_filter = ("transition", "to_status", ("changed_at", admin.DateFieldListFilter))

    def has_view_permission(self, request, obj=None):
        return permissions.is_editor(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Every change made through the door, newsroom-wide: read only, for editors."""

    list_display = ("at", "action_label", "subject", "changed_list", "by", "comment")
    list_filter = ("action", ("at", admin.DateFieldListFilter))
    search_fields = ("subject", "comment", "by__username")
    list_select_related = ("by",)
    show_full_result_count = False

    @admin.display(description="what happened", ordering="action")
    def action_label(self, obj):
        return obj.get_action_display()

    @admin.display(description="changed")
    def changed_list(self, obj):
        return ", ".join(permissions.CHANGE_LABELS.get(name, name) for name in obj.changed)

    def has_view_permission(self, request, obj=None):
        return permissions.is_editor(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Tags are editorial data. taggit's own admin lets anyone with the model permissions rename and
# merge tags, published stories' included, without a revision or an audit row; this one goes
# through the door, and only editors change tags here.
admin.site.unregister(Tag)


class MergeTagsForm(forms.Form):
    into = forms.CharField(
        label="Merge into",
        max_length=Tag._meta.get_field("name").max_length,
        help_text="The tag every story carrying one of these will have instead: an existing "
        "tag's name, or a new one.",
    )


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ("name",)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Tag.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).first()
        if clash is not None:
            raise forms.ValidationError(
                "There is already a tag “%(name)s”: merge the two instead.",
                code="tag_exists",
                params={"name": clash.name},
            )
        return name


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    ordering = ("name",)
    fields = ("name",)
    actions = ("merge_selected",)
    form = TagForm

    def get_queryset(self, request):
        return permissions.visible_tags(super().get_queryset(request), user=request.user)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.has_perm("taggit.view_tag")

    def has_add_permission(self, request):
        # A tag is made by tagging a story; one with no story is of no use to readers.
        return permissions.can_manage_tags(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_manage_tags(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_delete_tags(request.user)

    def save_model(self, request, obj, form, change):
        if change:
            current = Tag.objects.get(pk=obj.pk)
            changes.rename_tag(current, form.cleaned_data["name"], by=request.user)
            obj.refresh_from_db()
        else:
            created = changes.create_tag(form.cleaned_data["name"], by=request.user)
            obj.pk, obj.slug = created.pk, created.slug
            obj._state.adding = False

    def delete_model(self, request, obj):
        changes.delete_tag(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for tag in queryset:
            changes.delete_tag(tag, by=request.user)

    @admin.action(description="Merge selected tags", permissions=["delete"])
    def merge_selected(self, request, queryset):
        tags = list(queryset.order_by("name"))
        form = MergeTagsForm(request.POST if "into" in request.POST else None)
        if form.is_bound and form.is_valid():
            try:
                target = changes.merge_tags(tags, form.cleaned_data["into"], by=request.user)
            except changes.ChangeRefused as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
                return None
            self.message_user(
                request, f"{len(tags)} tag(s) merged into “{target.name}”.", messages.SUCCESS
            )
            return None
        if not form.is_bound:
            form = MergeTagsForm(initial={"into": tags[0].name if tags else ""})
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge tags",
            "opts": self.opts,
            "tags": tags,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/taggit/tag/merge.html", context)
