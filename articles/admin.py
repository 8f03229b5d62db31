"""The newsroom's admin: stories with their credits and exchanges, contributors, sections, images.

Who may do what to which story is decided in articles/permissions.py; the state of a story moves
only through articles/workflow.py. These classes ask both and never decide on their own.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from interviews.admin import ExchangeInline, InterviewInline

from . import permissions
from .forms import ArticleAdminForm, OrderedInlineFormSet, PasteCopyForm, PositionedRowForm
from .models import Article, Byline, Contributor, Image, Section

# The story fields people type into, in the order the form shows them.
ARTICLE_FORM_FIELDS = [
    "headline", "slug", "dek", "body", "kind", "section", "tags", "lead_image",
    "original_language", "source_headline", "source_dek", "source_body",
    "published_at",
]
# Shown on the form, changed only by the workflow or by saving.
ARTICLE_RECORD_FIELDS = ("status", "withdrawn_reason", "created_by", "created_at", "updated_at")


class BylineForm(PositionedRowForm):
    class Meta:
        model = Byline
        fields = ("position", "contributor", "role")


class BylineInline(admin.TabularInline):
    """Credits in the order the story names them; renumber the positions to reorder."""

    model = Byline
    form = BylineForm
    formset = OrderedInlineFormSet
    extra = 1
    autocomplete_fields = ("contributor",)
    ordering = ("position",)

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if self.has_add_permission(request, obj) else 0

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and permissions.can_change_credits(
            request.user, obj
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and permissions.can_change_credits(
            request.user, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and permissions.can_change_credits(
            request.user, obj
        )


class ContributorFilter(admin.SimpleListFilter):
    """Stories crediting one contributor; only contributors with bylines are offered."""

    title = "contributor"
    parameter_name = "contributor"

    def lookups(self, request, model_admin):
        credited = Contributor.objects.filter(bylines__isnull=False).distinct()
        return [(str(c.pk), c.name) for c in credited.order_by("name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(bylines__contributor_id=self.value()).distinct()
        return queryset


class TagFilter(admin.SimpleListFilter):
    title = "tag"
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        from taggit.models import Tag

        used = Tag.objects.filter(taggit_taggeditem_items__isnull=False).distinct()
        return [(tag.slug, tag.name) for tag in used.order_by("name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tags__slug=self.value()).distinct()
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = (
        "headline", "kind", "section", "status", "credits", "tag_list", "published_at",
        "updated_at",
    )
    list_filter = ("kind", "section", "status", TagFilter, ContributorFilter)
    search_fields = ("headline", "dek", "body", "bylines__contributor__name")
    list_select_related = ("section",)
    list_per_page = 50
    date_hierarchy = "published_at"
    inlines = (BylineInline, InterviewInline, ExchangeInline)
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
        super().save_model(request, obj, form, change)

    # The changelist: bylines and tags come from get_queryset()'s prefetch, one query each.
    @admin.display(description="credits")
    def credits(self, obj):
        return format_html_join(
            ", ", "{} ({})",
            ((b.contributor.name, b.get_role_display().lower()) for b in obj.bylines.all()),
        )

    @admin.display(description="tags")
    def tag_list(self, obj):
        return ", ".join(sorted(tag.name for tag in obj.tags.all()))

    # Paste copy: a story file pasted as text, read by the importer.
    def get_urls(self):
        urls = [
            path(
                "paste/",
                self.admin_site.admin_view(self.paste_copy_view),
                name="articles_article_paste",
            ),
        ]
        return urls + super().get_urls()

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
                return redirect(
                    reverse("admin:articles_article_change", args=[result.article.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Paste copy",
            "form": form,
            "opts": self.opts,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/articles/article/paste_copy.html", context)

    def _import_pasted(self, request, text, importer):
        # Importing a known slug updates that draft in place: a reporter must not overwrite a
        # story that is not theirs, so the update is undone unless they could have saved it.
        with transaction.atomic():
            result = importer.import_story_text(text, filename="pasted copy", by=request.user)
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
    list_display = ("thumbnail", "alt_text", "credit", "width", "height", "uploaded_at")
    search_fields = ("alt_text", "caption", "credit")
    readonly_fields = ("preview", "width", "height", "uploaded_at")
    fields = ("file", "preview", "alt_text", "caption", "credit", "width", "height")

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
            '<img src="{}" alt="{}" width="{}" style="height:auto" loading="lazy">',
            obj.file.url, obj.alt_text, width,
        )
