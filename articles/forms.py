"""Admin forms: the story form, the ordered-rows formset of bylines and exchanges, paste copy,
the image form."""

from typing import Any, cast

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Max
from django.utils.html import escape
from taggit.models import Tag

from interviews.models import Exchange, Interview

from . import images
from .changes import (
    BylineRow,
    ExchangeRow,
    Interviewee,
    StoryChanges,
    edit_conflict_message,
)
from .models import Article, Byline, Correction, Image
from .permissions import STORY_FIELDS
from .slugs import unique_slug
from .text import clean_values


class CleanTextMixin(forms.ModelForm):
    """A form step that cleans every text value (articles.text.clean_text) once the fields have
    checked theirs: control characters out, line endings made plain, one-line fields on one line.

    A field that cleaning leaves empty is refused as if it had been left empty, rather than
    failing the database's check. Mixed in before forms.ModelForm; a form's own clean() calls
    super().clean() first and so works on the cleaned text.
    """

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        texts = {name: cleaned[name] for name in self.fields if name in cleaned}
        for name, value in clean_values(texts, model=self._meta.model).items():
            if value == cleaned[name]:
                continue
            if isinstance(value, list):  # names, such as tags: one emptied means nothing
                value = [item for item in value if not isinstance(item, str) or item.strip()]
            cleaned[name] = value
            field = self.fields[name]
            if field.required and not (value.strip() if isinstance(value, str) else value):
                self.add_error(
                    name, ValidationError(field.error_messages["required"], code="required")
                )
        return cleaned


class PositionedRowForm(forms.ModelForm):
    """A row of an ordered inline. Its position is checked across the formset, not alone against
    the database, where a swap of two numbers would look like a clash with the row's old self."""

    def _get_validation_exclusions(self):
        # A private ModelForm hook (no public one chooses the fields validate_unique() skips).
        return {*super()._get_validation_exclusions(), "position"}  # type: ignore[misc]


class OrderedInlineFormSet(forms.BaseInlineFormSet):
    """Inline rows ordered by a ``position`` number the editor types, such as bylines and exchanges.

    Rows are reordered by editing their numbers. Two rows may swap numbers in one save: the
    database forbids two rows of a story at one position even for an instant, so the rows that
    move are first parked above every number in use, then saved with their new numbers. A row
    left without a number goes after the others. Use with PositionedRowForm.
    """

    position_field = "position"

    def add_fields(self, form, index):
        super().add_fields(form, index)
        field = form.fields.get(self.position_field)
        if field is not None:
            field.required = False
            # Sized by admin-extra/desk.css (see media below): the policy refuses style="".
            classes = field.widget.attrs.get("class", "").split()
            if "position-input" not in classes:
                field.widget.attrs["class"] = " ".join([*classes, "position-input"])
            if form.instance.pk is None:
                # A blank number on a new row means "at the end", decided in clean().
                field.initial = None

    @property
    def media(self):
        return super().media + forms.Media(css={"all": ["admin-extra/desk.css"]})

    def _kept_forms(self) -> list[forms.BaseForm]:
        deleted = self.deleted_forms if self.can_delete else []
        kept = []
        for form in self.forms:
            if form in deleted or not hasattr(form, "cleaned_data"):
                continue
            if form.instance.pk is None and not form.has_changed():
                continue  # an empty extra row
            kept.append(form)
        return kept

    def _position_of(self, form) -> int | None:
        if self.position_field in form.fields:
            return form.cleaned_data.get(self.position_field)
        return getattr(form.instance, self.position_field)

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = self._kept_forms()
        used = [p for p in (self._position_of(form) for form in kept) if p is not None]
        following = max(used, default=-1) + 1
        seen: dict[int, int] = {}
        for form in kept:
            position = self._position_of(form)
            if position is None:
                position = following
                following += 1
                form.cleaned_data[self.position_field] = position
                setattr(form.instance, self.position_field, position)  # type: ignore[attr-defined]
            seen[position] = seen.get(position, 0) + 1
        clashes = sorted(p for p, count in seen.items() if count > 1)
        if clashes:
            numbers = ", ".join(str(p) for p in clashes)
            raise ValidationError(
                "Two rows have the same position (%(numbers)s): give each row its own number.",
                code="duplicate_position",
                params={"numbers": numbers},
            )

    def save_existing_objects(self, commit=True):
        if commit:
            self._park_moving_rows()
        return super().save_existing_objects(commit)

    def _park_moving_rows(self) -> None:
        moving = [
            form.instance.pk
            for form in self.initial_forms
            if form.instance.pk is not None
            and (
                (self.can_delete and self._should_delete_form(form))  # type: ignore[attr-defined]
                or self.position_field in form.changed_data
            )
        ]
        if not moving:
            return
        rows = self.model._default_manager.filter(**{self.fk.name: self.instance})
        in_db = rows.aggregate(top=Max(self.position_field))["top"] or 0
        in_form = max((self._position_of(form) or 0 for form in self._kept_forms()), default=0)
        parking = max(in_db, in_form) + 1
        for offset, pk in enumerate(moving):
            # A plain UPDATE: the parking spot is not a revision anyone needs to see.
            rows.filter(pk=pk).update(**{self.position_field: parking + offset})


# Times a newsroom means: a year past 9998 cannot be moved into UTC in every time zone.
FIRST_YEAR, LAST_YEAR = 1900, 9998


def _within_years(value):
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            "Give a date between %(first)s and %(last)s.",
            code="year_out_of_range",
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return value


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time typed in one box (the workflow's Schedule), within the years above."""

    def to_python(self, value):
        try:
            return _within_years(super().to_python(value))
        except OverflowError:
            raise ValidationError(
                "Give a date between %(first)s and %(last)s.",
                code="year_out_of_range",
                params={"first": FIRST_YEAR, "last": LAST_YEAR},
            ) from None


class BoundedSplitDateTimeField(forms.SplitDateTimeField):
    """The story form's publication time (a date box and a time box), within the years above."""

    def compress(self, data_list):
        if data_list and data_list[0] is not None:
            _within_years(data_list[0])
        return super().compress(data_list)


class PasteCopyForm(forms.Form):
    """Story copy to import. A NUL in it is for the importer to refuse, naming the line (Django's
    own check would refuse it too, but not say where)."""

    text = forms.CharField(
        label="Story text",
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100, "spellcheck": "false"}),
        help_text=(
            "Paste the story as plain text: copied from a web page, or in the newsroom format "
            "with a header block."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text = self.fields["text"]
        text.validators = [
            check
            for check in text.validators
            if not isinstance(check, validators.ProhibitNullCharactersValidator)
        ]


class ArticleAdminForm(CleanTextMixin, forms.ModelForm):
    """The story form. An empty slug is made from the headline before the model checks it.

    The form carries the version of the story it was loaded with: when someone else saved the
    story in the meantime, this save is refused, naming them, and what was typed stays in the form.
    """

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Lifting an embargo before its time says why (articles/changes/embargoes.py); not a field of
    # the story: the audit row keeps it.
    embargo_lift_reason = forms.CharField(
        label="Reason for lifting the embargo early",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text=(
            "Needed when you clear the embargo or move it earlier before its time (a permission "
            "of its own); kept in the audit trail."
        ),
    )
    # Why the door refused this form's last save, when it is shown again (ArticleAdmin sets it).
    refusal: str | None = None

    class Meta:
        model = Article
        fields = (
            "headline",
            "slug",
            "dek",
            "body",
            "kind",
            "section",
            "tags",
            "lead_image",
            "original_language",
            "source_headline",
            "source_dek",
            "source_body",
            "published_at",
            "embargo_until",
            "embargo_note",
        )
        # The admin prints help texts as HTML, editable or read-only, and the slug's names a
        # "<slug>" placeholder, which the browser took for a tag and hid ("/articles//").
        help_texts = {"slug": escape(Article._meta.get_field("slug").help_text)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "loaded_version" in self.fields and self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version
        if "published_at" in self.fields:
            # Typed and shown in the newsroom's time zone: say which, never "UTC time" for Beirut.
            from .desk_time import zone_id

            self.fields["published_at"].label = f"Publication time ({zone_id()})"
        if "embargo_until" in self.fields:
            from .desk_time import zone_id

            self.fields["embargo_until"].label = f"Embargo until ({zone_id()})"
        if "embargo_note" in self.fields:
            self.fields["embargo_note"].widget.attrs.update({"rows": 2, "cols": 80})

    def clean(self):
        cleaned = super().clean()
        loaded = cleaned.get("loaded_version")
        if self.instance.pk and "loaded_version" in self.fields and loaded is None:
            # Without it a save could silently undo a colleague's: the form is not the one we sent.
            raise ValidationError(
                "This form is out of date. Copy what you typed, reload the story and make your "
                "changes again.",
                code="no_loaded_version",
            )
        if self.instance.pk and loaded is not None and loaded != self.instance.version:
            raise ValidationError(edit_conflict_message(self.instance), code="edit_conflict")
        if self.refusal:
            raise ValidationError(self.refusal, code="refused")
        if (
            "published_at" in self.fields
            and cleaned.get("published_at") is None
            and self.instance.status in Article.LIVE_STATES
        ):
            self.add_error(
                "published_at",
                ValidationError(
                    "A story that is %(status)s needs its publication time.",
                    code="publication_time_required",
                    params={"status": self.instance.get_status_display().lower()},
                ),
            )
        if (
            "embargo_until" in self.fields
            and "embargo_note" in self.fields
            and cleaned.get("embargo_note")
            and cleaned.get("embargo_until") is None
        ):
            self.add_error(
                "embargo_until",
                ValidationError(
                    "An embargo note goes with an embargo time: give the time, or clear the note.",
                    code="embargo_time_required",
                ),
            )
        if "slug" in self.fields and not cleaned.get("slug") and cleaned.get("headline"):
            cleaned["slug"] = unique_slug(
                Article, cleaned["headline"], max_length=80, exclude_pk=self.instance.pk
            )
        return cleaned

    def clean_tags(self):
        # taggit's field does not check the length of a name: SQLite would store a long one and
        # PostgreSQL refuse it with a DataError, a 500 after the whole form had been accepted.
        tags = self.cleaned_data["tags"]
        limit = Tag._meta.get_field("name").max_length
        too_long = [name for name in tags if len(name) > limit]
        if too_long:
            raise ValidationError(
                "A tag can be at most %(limit)d characters long; “%(start)s…” has %(length)d. "
                "Separate tags with commas.",
                code="tag_too_long",
                params={"limit": limit, "start": too_long[0][:20], "length": len(too_long[0])},
            )
        return tags


def story_changes(form: forms.ModelForm, formsets: list) -> StoryChanges:
    """What the story form and its inlines ask the door to change.

    Every field and row is read as the form left it; the door compares with the story as it is
    and decides, so an unchanged or read-only part changes nothing. Parts whose inline is not
    on the form (a person may not see it) are left as they are.
    """
    cleaned = form.cleaned_data
    changes = StoryChanges(loaded_version=cleaned.get("loaded_version"))
    for name in STORY_FIELDS - {"tags"}:
        if name in form.fields and name in cleaned:
            changes.fields[name] = cleaned[name]
    if "tags" in form.fields and "tags" in cleaned:
        changes.tags = list(cleaned["tags"])
    for formset in formsets:
        kept = _kept_rows(formset)
        if formset.model is Byline:
            changes.bylines = [
                BylineRow(role=row.role, contributor_id=row.contributor_id)
                for row in sorted(kept, key=lambda row: row.position)
            ]
        elif formset.model is Interview:
            row = kept[0] if kept else None
            changes.interviewee = (
                Interviewee(row.interviewee_name, row.interviewee_description) if row else None
            )
        elif formset.model is Exchange:
            changes.exchanges = [
                ExchangeRow(
                    question=row.question,
                    answer=row.answer,
                    question_original=row.question_original,
                    answer_original=row.answer_original,
                    pk=row.pk,
                    position=row.position,
                )
                for row in kept
            ]
    return changes


def _kept_rows(formset) -> list:
    """The rows an inline formset leaves: its instances as the forms set them (a ModelForm puts
    what was typed on its instance when it is validated), less deleted and empty extra rows."""
    deleted = set(formset.deleted_forms) if formset.can_delete else set()
    return [
        form.instance
        for form in formset.forms
        if form not in deleted
        # A new row left empty: an interviewee's row has its story's id as its own from the
        # start (the story is its primary key), so "new" is the instance's state, not its pk.
        and not (form.instance._state.adding and not form.has_changed())
        and getattr(form, "cleaned_data", None) is not None
    ]


def new_corrections(formsets: list) -> list[str]:
    """The texts of the corrections added on the form."""
    return [
        form.cleaned_data["text"]
        for formset in formsets
        if formset.model is Correction
        for form in formset.forms
        if form.instance.pk is None and form.has_changed() and form.cleaned_data.get("text")
    ]


class ImageAdminForm(forms.ModelForm):
    """An image and its words. A new file is checked and re-encoded here, while validating, so
    that anything refused (by content, caps or encoder) is a message on the form, and nothing
    reaches storage until the picture is accepted."""

    class Meta:
        model = Image
        fields = ("file", "focal_x", "focal_y", "alt_text", "caption", "credit")
        # A number from 0 to 1 for each axis, typed, or set by clicking the preview
        # (admin-extra/focal-point.js); the field stays either way, so no script is needed.
        widgets = {
            name: forms.NumberInput(attrs={"min": 0, "max": 1, "step": "any"})
            for name in ("focal_x", "focal_y")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The file is stored under a random name, so the length of its own name does not matter.
        # (A person who may only view images gets the form without it.)
        if "file" in self.fields:
            cast(forms.FileField, self.fields["file"]).max_length = None

    def clean_file(self):
        file = self.cleaned_data["file"]
        if isinstance(file, UploadedFile):  # otherwise the picture already stored stays
            return images.clean_copy(file)
        return file
