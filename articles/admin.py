"""The newsroom's admin: stories with their credits and exchanges, contributors, sections, images.

Who may do what to which story is decided in articles/permissions.py; the state of a story moves
only through articles/workflow.py. These classes ask both and never decide on their own.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.http import Http404, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from interviews.admin import ExchangeInline, InterviewInline

from . import images, permissions, revisions, search, translation, workflow
from .forms import (
    ArticleAdminForm,
    EditConflict,
    ImageAdminForm,
    OrderedInlineFormSet,
    PasteCopyForm,
    PositionedRowForm,
)
from .inlines import StoryPartInline
from .models import Article, Byline, Contributor, Correction, Image, Section, StatusChange

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
        if self.value().isdigit():
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
        "status",
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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        for name in ("source_headline", "source_dek", "source_body"):
            if name in form.base_fields:
                form.base_fields[name].widget.attrs["dir"] = "auto"
        if "source_body" in form.base_fields:
            form.base_fields["source_body"].widget = forms.Textarea(
                attrs={"rows": 12, "cols": 80, "dir": "auto"}
            )
        return form

    # Permissions: all from articles/permissions.py.
    def has_view_permission(self, request, obj=None):
        return permissions.can_view_article(request.user, obj)

    def has_add_permission(self, request):
        return permissions.can_add_article(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_change_article(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_delete_article(request.user, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        else:
            # The form's check compared versions; this conditional UPDATE makes the claim
            # atomic, so of two saves racing past that check only one wins.
            loaded = form.cleaned_data.get("loaded_version")
            expected = obj.version if loaded is None else loaded
            claimed = Article.objects.filter(pk=obj.pk, version=expected).update(
                version=F("version") + 1
            )
            if not claimed:
                raise EditConflict
            obj.version = expected + 1
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Exchanges carry source text too, so staleness is known only once the inlines are saved.
        translation.refresh_staleness(form.instance)

    def save_formset(self, request, form, formset, change):
        if formset.model is Correction:
            for correction in formset.save(commit=False):
                correction.created_by = request.user
                correction.save()
            return
        super().save_formset(request, form, formset, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and not self.has_change_permission(request, obj):
                # The story moved on (submitted, passed...) while this person had it open.
                if self.has_view_permission(request, obj):
                    self.message_user(
                        request,
                        f"“{obj}” is now {obj.get_status_display().lower()} and you can no "
                        "longer change it, so your changes were not saved.",
                        messages.ERROR,
                    )
                    return redirect(request.path)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:
            pass
        # Someone saved between our check and our save, and everything was rolled back.
        # Running the view again shows the form with the conflict named and the input kept.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:
            self.message_user(
                request,
                "Someone else is saving this story at this very moment, so your changes were "
                "not saved. Wait a moment, reload the story and make them again.",
                messages.ERROR,
            )
            return redirect(request.path)

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
        return {
            "transitions": workflow.available_transitions(obj, by=request.user),
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

    def _page(self, request, obj, title, template, **context):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "original": obj,
            "media": forms.Media(css={"all": ["admin-extra/desk.css"]}),
            **context,
        }
        return TemplateResponse(request, template, context)

    # Workflow: each button posts here; workflow.transition() decides and records.
    def transition_view(self, request, pk, name):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._story_or_404(request, pk)
        back = request.POST.get("next") or reverse("admin:articles_article_change", args=[pk])
        if not back.startswith("/"):
            back = reverse("admin:articles_article_change", args=[pk])
        publish_at = None
        if name == "schedule":
            field = forms.DateTimeField(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
            try:
                publish_at = field.clean(request.POST.get("publish_at", ""))
            except forms.ValidationError:
                self.message_user(
                    request, "Give the publication time as a date and a time.", messages.ERROR
                )
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
        every = revisions.revisions(obj)
        # What each save changed, against the one before it.
        changed = {
            newer.history_id: [d.label for d in revisions.compare(older, newer)]
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
        every = {r.history_id: r for r in revisions.revisions(obj)}
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

    def restore_view(self, request, pk, history_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._story_or_404(request, pk)
        if not permissions.can_restore_revision(request.user, obj):
            self.message_user(request, "Only editors restore revisions.", messages.ERROR)
            return redirect("admin:articles_article_revisions", pk=pk)
        revision = revisions.get_revision(obj, history_id)
        if revision is None:
            self.message_user(request, "That revision does not exist.", messages.ERROR)
            return redirect("admin:articles_article_revisions", pk=pk)
        try:
            revisions.restore(obj, revision, by=request.user)
        except revisions.RestoreRefused as refusal:
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
                translation.record_review(obj, by=request.user, keys=stale)
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
                result = self._import_pasted(request, form.cleaned_data["text"], importer)
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

    def _import_pasted(self, request, text, importer):
        # Sections are the desk's structure: a Section: line naming a new one is refused to
        # anyone who may not add sections, before anything is written.
        story = importer.parse_story(text, filename="pasted copy")
        section = story.section
        if (
            section
            and not request.user.has_perm("articles.add_section")
            and not Section.objects.filter(name__iexact=section).exists()
        ):
            raise PermissionDenied(
                f"There is no section “{section}”, and only editors add sections. Name an "
                "existing section or leave the Section: line out."
            )
        # Importing a known slug updates that draft in place: a reporter must not overwrite a
        # story that is not theirs, so the update is undone unless they could have saved it.
        with transaction.atomic():
            result = importer.save_story(story, by=request.user)
            if result.action == "updated" and not permissions.can_change_article(
                request.user, result.article
            ):
                raise _Undo(result.article)
        return result


class _Undo(PermissionDenied):
    def __init__(self, article):
        super().__init__(
            f"A story with this address already exists (“{article.headline}”) and you may not "
            "change it. Give the copy another headline or a Slug: line."
        )


@admin.register(Contributor)
class ContributorAdmin(admin.ModelAdmin):
    list_display = ("name", "affiliation", "user")
    search_fields = ("name", "affiliation")
    autocomplete_fields = ("photo", "user")
    readonly_fields = ("created_at",)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name",)


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageAdminForm
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

    def save_model(self, request, obj, form, change):
        # The change view runs in a transaction: the old file goes only if the save commits.
        images.delete_replaced_file(obj)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        images.delete_stored_files(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The "delete selected" action is not in a transaction of its own: without this one,
        # the files would go at once, even if deleting the rows then failed.
        with transaction.atomic():
            for image in queryset:
                images.delete_stored_files(image)
            super().delete_queryset(request, queryset)

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
    list_filter = ("transition", "to_status")
    search_fields = ("article__headline", "comment", "changed_by__username")
    list_select_related = ("article", "changed_by")
    date_hierarchy = "changed_at"

    def has_view_permission(self, request, obj=None):
        return permissions.is_editor(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
