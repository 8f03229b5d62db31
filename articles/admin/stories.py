"""The story admin: the list, the form and its save through the door, the kept-changes page.

Who may do what to which story is decided in articles/permissions.py; every change goes through
the door (articles/changes/). The desk's own pages are mixed in from desk.py, history.py and
review.py.
"""

from typing import cast

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html_join

from .. import autosave, changes, desk_time, permissions, search, translation, workflow
from ..forms import (
    ArticleAdminForm,
    BoundedSplitDateTimeField,
    new_corrections,
    story_changes,
)
from ..models import (
    Article,
    ArticleQuerySet,
)
from .autosaves import AutosaveViews
from .base import story_visible
from .desk import MOVE, DeskViews
from .filters import ContributorFilter, StoryChangeList, TagFilter
from .history import HistoryViews
from .inlines import BylineInline, CorrectionInline, ExchangeInline, InterviewInline
from .kept import kept_text
from .notices import NoticeViews
from .previews import PreviewViews
from .readable import READ_ONLY_BODY, ReadableText, readable_names
from .review import TranslationReviewViews, correction_originals_context
from .writing import WritingViews

# The story fields people type into, in the order the form shows them.
ARTICLE_FORM_FIELDS = list(ArticleAdminForm.Meta.fields)
# The embargo's own fieldset: saved through changes.set_embargo, not with the story's fields.
EMBARGO_FORM_FIELDS = ("embargo_until", "embargo_note", "embargo_lift_reason")
# Shown on the form, changed only by the workflow or by saving.
ARTICLE_RECORD_FIELDS = ("status", "withdrawn_reason", "created_by", "created_at", "updated_at")


@admin.register(Article)
class ArticleAdmin(
    AutosaveViews,
    WritingViews,
    DeskViews,
    HistoryViews,
    TranslationReviewViews,
    NoticeViews,
    PreviewViews,
    ReadableText,
):
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
        (
            "Embargo",
            {
                "fields": EMBARGO_FORM_FIELDS,
                "description": (
                    "Not before this time: no reader sees the story until then, and it cannot "
                    "be published or scheduled earlier. The note is for the desk only."
                ),
            },
        ),
    )
    autocomplete_fields = ("lead_image", "section")
    change_list_template = "admin/articles/article/change_list.html"

    def get_queryset(self, request):
        queryset = cast(ArticleQuerySet, super().get_queryset(request)).for_listing()
        return permissions.visible_articles(queryset, user=request.user)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("published_at", "embargo_until") and field is not None:
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
        if not permissions.can_set_embargo(request.user, obj):
            # The embargo is read only: no reason to give for lifting it.
            fieldsets = [
                (
                    name,
                    {
                        **options,
                        "fields": tuple(f for f in options["fields"] if f != "embargo_lift_reason"),
                    },
                )
                for name, options in fieldsets
            ]
        if READ_ONLY_BODY in self.get_readonly_fields(request, obj):
            fieldsets = [
                (name, {**options, "fields": readable_names(options["fields"])})
                for name, options in fieldsets
            ]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        limited = permissions.readonly_article_fields(request.user, obj, ARTICLE_FORM_FIELDS)
        fields = (*ARTICLE_RECORD_FIELDS, *(f for f in ARTICLE_FORM_FIELDS if f in limited))
        return readable_names(fields)  # a read-only text shows as text, not markup

    # Permissions: all from articles/permissions.py.
    def has_view_permission(self, request, obj=None):
        return story_visible(request, obj)

    def has_add_permission(self, request):
        return permissions.can_add_article(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_change_article(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_delete_article(request.user, obj)

    # Saving: nothing here writes. save_related() hands the form and its inlines to the door
    # (articles/changes/) at once, which decides on the story as it was, writes, records the
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
        article, embargo_changed = self._save_embargo(
            request, form, article, content_changed=bool(changed)
        )
        if embargo_changed:
            changed.add("embargo")
        for name in ("slug", "version", "created_by_id", "created_at", "updated_at"):
            setattr(form.instance, name, getattr(article, name))
        for text in new_corrections(formsets):
            changes.add_correction(article, text, by=request.user)
            changed.add("corrections")
        form.door_changed = changed
        # Saved: what was autosaved of this form is in the story now (or was meant to be).
        autosave.discard(request.user, article if change else None)
        if request.POST.get(MOVE):
            # "Save and submit", "Save and publish": the move is made in this same transaction,
            # after the save; if it is refused, the save is undone too and the form comes back
            # as typed, with the reason (changeform_view).
            self.move_from_form(request, article, request.POST[MOVE])

    def _save_embargo(self, request, form, article, *, content_changed):
        """The embargo fields, through their own door (changes.set_embargo), in the same
        transaction as the story's save; read only (not on the form) for anyone but editors."""
        if "embargo_until" not in form.fields:
            return article, False
        cleaned = form.cleaned_data
        until = cleaned.get("embargo_until")
        note = cleaned.get("embargo_note") or ""
        if until is None and article.embargo_until is None:
            return article, False
        saved = changes.set_embargo(
            article,
            until=until,
            note=note,
            reason=cleaned.get("embargo_lift_reason") or "",
            by=request.user,
            # A content change has already claimed the version the form was loaded with.
            loaded_version=None if content_changed else cleaned.get("loaded_version"),
        )
        return saved, saved.version != article.version

    def construct_change_message(self, request, form, formsets, add=False):
        if add:
            return [{"added": {}}]
        changed: set[str] = getattr(form, "door_changed", set())
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
        if not permissions.can_set_embargo(request.user, obj):
            form.base_fields.pop("embargo_lift_reason", None)
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

    def add_view(self, request, form_url="", extra_context=None):
        context = dict(extra_context or {})
        if self.has_add_permission(request):
            context.update(self.form_moves(request, None))
            context.update(self._form_extras(request, None))
        return super().add_view(request, form_url, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if obj is not None:
            context.update(self._desk_context(request, obj))
            context.update(self.preview_links_context(request, obj))
            if self.has_change_permission(request, obj):
                context.update(self.form_moves(request, obj))
            context.update(self._form_extras(request, obj))
        return super().change_view(request, object_id, form_url, context)

    def _form_extras(self, request, obj):
        """The move words typed on a form that comes back refused, and the autosave to offer."""
        typed = {}
        if request.method == "POST":
            typed = {
                key: value[:10_000]
                for key, value in request.POST.items()
                if key.startswith("move_comment_") or key == "move_publish_at"
            }
        return {"typed_move": typed, **self.autosave_context(request, obj)}

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
            "never_reviewed": obj.is_translated and translation.never_reviewed(obj),
            "now_local": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "time_zone": desk_time.zone_id(),
            **correction_originals_context(request, obj),
        }

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The desk's own styles and the form's script (autosave, the guard before leaving, Enter
        # in a one-line field); served from our static files, never a CDN.
        context["media"] = context["media"] + forms.Media(
            css={"all": ["admin-extra/desk.css"]},
            # ask.js: the dialog the body editor and the answers' Link button ask in.
            js=["admin-extra/ask.js", "admin-extra/story-form.js"],
        )
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
                "paste/format/",
                view(self.story_format_view),
                name="articles_article_story_format",
            ),
            path(
                "notices/read/",
                view(self.mark_notices_read_view),
                name="articles_article_notices_read",
            ),
            path(
                "<int:pk>/translation/correct/",
                view(self.correct_segment_view),
                name="articles_article_correct_segment",
            ),
            path(
                "<int:pk>/translation/original/",
                view(self.attach_original_view),
                name="articles_article_attach_original",
            ),
            path(
                "<int:pk>/corrections/<int:correction_pk>/original/",
                view(self.correction_original_view),
                name="articles_article_correction_original",
            ),
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
            path(
                "<int:pk>/preview-links/",
                view(self.create_preview_view),
                name="articles_article_preview_create",
            ),
            path(
                "<int:pk>/preview-links/revoke/",
                view(self.revoke_preview_view),
                name="articles_article_preview_revoke",
            ),
            path("autosave/", view(self.autosave_view), name="articles_article_autosave_new"),
            path("<int:pk>/autosave/", view(self.autosave_view), name="articles_article_autosave"),
        ]
        return urls + super().get_urls()
