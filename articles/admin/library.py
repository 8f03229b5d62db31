"""The library: sections, contributors, images and tags, each changed through the door."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.html import format_html
from taggit.models import Tag

from .. import changes, permissions
from ..forms import (
    ImageAdminForm,
)
from ..models import (
    Contributor,
    Image,
    Section,
)


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
    fields = (
        "file",
        "preview",
        "focal_x",
        "focal_y",
        "alt_text",
        "caption",
        "credit",
        "width",
        "height",
    )

    class Media:
        css = {"all": ["admin-extra/desk.css"]}  # .admin-thumbnail: no style="" under the CSP
        # Clicking the preview sets the focal point: a file, since the CSP runs nothing inline.
        js = ["admin-extra/focal-point.js"]

    @admin.display(description="picture")
    def thumbnail(self, obj):
        return self._img(obj, 80)

    @admin.display(description="preview")
    def preview(self, obj):
        if not obj or not obj.pk or not obj.file:
            return "—"
        # The focal point fields (when they may be changed) are set by clicking this picture.
        return format_html(
            '<img src="{}" alt="{}" width="{}" class="admin-thumbnail focal-preview"'
            ' data-focal-x="{}" data-focal-y="{}">',
            obj.file.url,
            obj.alt_text,
            480,
            *obj.focal_point,
        )

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
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/taggit/tag/merge.html", context)
