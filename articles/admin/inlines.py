"""The story form's inlines: credits, corrections, the interviewee and the exchanges.

Who may add, change and delete a story's parts is articles/permissions.py's to say
(StoryPartInline); the interview parts' fields and layout are the interviews app's
(interviews/admin.py).
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.widgets import AutocompleteSelect

from interviews import admin as interviews_admin
from interviews.models import Exchange, Interview

from .. import permissions
from ..forms import (
    CleanTextMixin,
    OrderedInlineFormSet,
    PositionedRowForm,
)
from ..models import (
    Byline,
    Correction,
)
from .base import story_visible


class StoryPartInline(InlineModelAdmin):
    """Who may add, change and delete a story's parts is articles/permissions.py's to say, on
    top of the model permissions. Mixed in before admin.TabularInline or StackedInline."""

    # Changing existing rows: the story's structure by default; exchanges loosen it so that a
    # translator can work inside them.
    change_rule = staticmethod(permissions.can_change_credits)

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if self.has_add_permission(request, obj) else 0

    def has_add_permission(self, request, obj=None):
        allowed = super().has_add_permission(request, obj)
        return allowed and permissions.can_change_credits(request.user, obj)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and self.change_rule(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and permissions.can_change_credits(request.user, obj)


class ChosenAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that draws its chosen option from the row's own contributor, fetched with
    the rows (BylineInline.get_queryset), instead of one query per row to find its name."""

    chosen: tuple[str, str] | None = None  # (value, label), set by the form for its instance

    def optgroups(self, name, value, attr=None):
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if self.chosen is None or selected != {self.chosen[0]}:
            return super().optgroups(name, value, attr)
        chosen_value, label = self.chosen
        return [(None, [self.create_option(name, chosen_value, label, True, 0)], 0)]


class BylineForm(PositionedRowForm):
    class Meta:
        model = Byline
        fields = ("position", "contributor", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("contributor")
        if not isinstance(field, forms.ModelChoiceField):
            return  # a person who may only view the credits gets no field
        widget = getattr(field, "widget", None)
        widget = getattr(widget, "widget", widget)  # inside the admin's add/change links
        if isinstance(widget, ChosenAutocompleteSelect) and Byline.contributor.is_cached(
            self.instance
        ):
            contributor = self.instance.contributor
            if contributor is not None:
                widget.chosen = (str(contributor.pk), field.label_from_instance(contributor))


class BylineInline(StoryPartInline, admin.TabularInline):
    """Credits in the order the story names them; renumber the positions to reorder."""

    model = Byline
    form = BylineForm
    formset = OrderedInlineFormSet
    extra = 1
    autocomplete_fields = ("contributor",)
    ordering = ("position",)

    def get_queryset(self, request):
        # Each row shows its contributor's name: fetched with the rows, not once per row.
        return super().get_queryset(request).select_related("contributor")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "contributor":
            db = kwargs.get("using")
            kwargs["widget"] = ChosenAutocompleteSelect(db_field, self.admin_site, using=db)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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
        return obj is not None and story_visible(request, obj)

    def has_add_permission(self, request, obj=None):
        return permissions.can_add_correction(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InterviewForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = Interview
        fields = ("interviewee_name", "interviewee_description")


class InterviewInline(StoryPartInline, interviews_admin.InterviewInline):
    form = InterviewForm

    def get_extra(self, request, obj=None, **kwargs):
        # No second interviewee; the empty form only for someone who may fill it in.
        if obj is not None and hasattr(obj, "interview"):
            return 0
        return super().get_extra(request, obj, **kwargs)


class ExchangeForm(CleanTextMixin, PositionedRowForm):
    class Meta:
        model = Exchange
        fields = ("position", "question", "answer", "question_original", "answer_original")
        widgets = interviews_admin.EXCHANGE_WIDGETS


class ExchangeInline(StoryPartInline, interviews_admin.ExchangeInline):
    """Questions and answers, in the order the form puts them (interviews/admin.py)."""

    form = ExchangeForm
    formset = OrderedInlineFormSet

    change_rule = staticmethod(permissions.can_change_exchanges)

    def get_readonly_fields(self, request, obj=None):
        editable = permissions.editable_exchange_fields(request.user, obj)
        if editable is None:
            return ()
        return tuple(f for f in ExchangeForm.Meta.fields if f not in editable)
