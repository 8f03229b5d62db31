"""The interview parts of the story form, as they look: the interviewee and the ordered exchanges.

These are the fields, their layout and their widgets. The desk composes them with who may change
what (articles/admin/inlines.py); this app knows nothing of the desk's rules.
"""

from django import forms
from django.contrib import admin

from .models import Exchange, Interview

EXCHANGE_WIDGETS = {
    # The order is the one the exchanges stand in on the form: dragged or moved with buttons,
    # and numbered by the form's script (static/admin-extra/exchanges.js).
    "position": forms.HiddenInput(),
    "question": forms.Textarea(attrs={"rows": 2, "cols": 60}),
    "answer": forms.Textarea(
        attrs={"rows": 4, "cols": 60, "placeholder": "Paragraphs separated by blank lines."}
    ),
    "question_original": forms.Textarea(attrs={"rows": 2, "cols": 60, "dir": "auto"}),
    "answer_original": forms.Textarea(attrs={"rows": 5, "cols": 60, "dir": "auto"}),
}


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


class ExchangeInline(admin.StackedInline):
    """Questions and answers in their order, each with its original beside it (foldable).

    The form's script adds pasting a whole Q/A block, the next exchange from the keyboard and
    reordering; without it the exchanges keep their order and new ones go at the end.
    """

    model = Exchange
    extra = 1
    fieldsets = (
        (None, {"fields": ("position", "question", "answer")}),
        (
            "Original language",
            {"fields": ("question_original", "answer_original"), "classes": ("collapse",)},
        ),
    )
    ordering = ("position",)
    classes = ("exchanges",)

    class Media:
        js = ("admin/js/inlines.js", "admin-extra/exchanges.js")
        css = {"all": ("admin-extra/desk.css",)}
