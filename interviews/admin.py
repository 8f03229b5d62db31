"""The interview parts of the story form: the interviewee and the ordered exchanges.

They are inlines of the Article admin (articles/admin.py); who may change them is decided in
articles/permissions.py.
"""

from django import forms
from django.contrib import admin

from articles import permissions
from articles.forms import OrderedInlineFormSet, PositionedRowForm

from .models import Exchange, Interview


class InterviewInline(admin.StackedInline):
    model = Interview
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


class ExchangeForm(PositionedRowForm):
    class Meta:
        model = Exchange
        fields = ("position", "question", "answer", "question_original", "answer_original")
        widgets = {
            "question": forms.Textarea(attrs={"rows": 2, "cols": 60}),
            "answer": forms.Textarea(attrs={"rows": 5, "cols": 60}),
            "question_original": forms.Textarea(attrs={"rows": 2, "cols": 60, "dir": "auto"}),
            "answer_original": forms.Textarea(attrs={"rows": 5, "cols": 60, "dir": "auto"}),
        }


class ExchangeInline(admin.StackedInline):
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

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if self.has_add_permission(request, obj) else 0

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and permissions.can_change_credits(
            request.user, obj
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and permissions.can_change_exchanges(
            request.user, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and permissions.can_change_credits(
            request.user, obj
        )

    def get_readonly_fields(self, request, obj=None):
        editable = permissions.editable_exchange_fields(request.user, obj)
        if editable is None:
            return ()
        return tuple(f for f in ExchangeForm.Meta.fields if f not in editable)
