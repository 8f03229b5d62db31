"""The interview parts of the story form: the interviewee and the ordered exchanges.

They are inlines of the Article admin (articles/admin.py); who may change them is decided in
articles/permissions.py.
"""

from django import forms
from django.contrib import admin

from articles import permissions
from articles.forms import CleanTextMixin, OrderedInlineFormSet, PositionedRowForm
from articles.inlines import StoryPartInline

from .models import Exchange, Interview


class InterviewForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = Interview
        fields = ("interviewee_name", "interviewee_description")


class InterviewInline(StoryPartInline, admin.StackedInline):
    model = Interview
    form = InterviewForm
    max_num = 1
    extra = 0
    can_delete = True
    verbose_name = "interviewee"
    verbose_name_plural = "interviewee"
    fields = ("interviewee_name", "interviewee_description")

    def get_formset(self, request, obj=None, **kwargs):
        # One interviewee per story: a second row is an error, not silently dropped.
        return super().get_formset(request, obj, validate_max=True, **kwargs)

    def get_extra(self, request, obj=None, **kwargs):
        # Offer the empty form only to someone who can fill it in, on a story without one.
        if obj is not None and hasattr(obj, "interview"):
            return 0
        return 1


class ExchangeForm(CleanTextMixin, PositionedRowForm):
    class Meta:
        model = Exchange
        fields = ("position", "question", "answer", "question_original", "answer_original")
        widgets = {
            "question": forms.Textarea(attrs={"rows": 2, "cols": 60}),
            "answer": forms.Textarea(attrs={"rows": 5, "cols": 60}),
            "question_original": forms.Textarea(attrs={"rows": 2, "cols": 60, "dir": "auto"}),
            "answer_original": forms.Textarea(attrs={"rows": 5, "cols": 60, "dir": "auto"}),
        }


class ExchangeInline(StoryPartInline, admin.StackedInline):
    """Questions and answers, in the order the position numbers give; renumber to reorder."""

    model = Exchange
    form = ExchangeForm
    formset = OrderedInlineFormSet
    extra = 1
    fieldsets = (
        (None, {"fields": ("position", "question", "answer")}),
        ("Original language", {"fields": ("question_original", "answer_original")}),
    )
    ordering = ("position",)

    change_rule = staticmethod(permissions.can_change_exchanges)

    def get_readonly_fields(self, request, obj=None):
        editable = permissions.editable_exchange_fields(request.user, obj)
        if editable is None:
            return ()
        return tuple(f for f in ExchangeForm.Meta.fields if f not in editable)
