"""Translation review in the desk: a story's source and translation, segment by segment."""

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse

from .. import changes, importer, original_text, permissions, segment_edits, translation, workflow
from ..models import (
    Article,
    Correction,
)
from ..redirects import safe_next
from .base import StoryAdminBase


class TranslationReviewViews(StoryAdminBase):
    """Source and translation side by side, segment by segment (mixed into ArticleAdmin)."""

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
        kept = request.session.pop(KEPT_ORIGINAL, None)
        return self._page(
            request,
            obj,
            f"Translation review of “{obj}”",
            "admin/articles/article/translation_review.html",
            rows=rows,
            stale_count=sum(row.is_stale for row in rows),
            never_reviewed=translation.never_reviewed(obj),
            may_correct=permissions.can_change_article(request.user, obj),
            kept_original=kept["text"] if kept and kept.get("story") == obj.pk else "",
            may_confirm=may_confirm,
            transitions=[
                t
                for t in workflow.available_transitions(obj, by=request.user)
                if t.name in ("pass_translation", "return_translation")
            ],
            source_dir="rtl" if obj.original_is_right_to_left else "ltr",
            **correction_originals_context(request, obj),
        )

    def correct_segment_view(self, request, pk):
        """The reviewer's corrected English of one segment, saved through the door."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._story_or_404(request, pk)
        key = request.POST.get("segment", "")
        typed = request.POST.get("text", "")
        try:
            loaded = int(request.POST.get("loaded_version", ""))
        except ValueError:
            loaded = None
        try:
            change = segment_edits.correction(obj, key, typed)
            change.loaded_version = loaded
            changes.edit_story(obj, change, by=request.user)
        except (segment_edits.CannotCorrectHere, changes.ChangeRefused) as refusal:
            # What they typed comes back with the reason, never lost.
            self.message_user(request, f"Not saved: {refusal} Your text: {typed}", messages.ERROR)
        else:
            self.message_user(
                request, "The English of that segment is corrected.", messages.SUCCESS
            )
        return redirect("admin:articles_article_translation", pk=pk)

    def attach_original_view(self, request, pk):
        """The original, from a file or pasted, read by the importer, saved through the door."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._story_or_404(request, pk)
        upload = request.FILES.get("file")
        if upload is not None:
            raw = upload.read(original_text.MAX_BYTES + 1)
            name = upload.name
        else:
            raw = request.POST.get("text", "").encode("utf-8")
            name = "pasted original"
        try:
            if len(raw) > original_text.MAX_BYTES:
                raise importer.StoryFormatError(name, None, "the file is larger than 2 MB")
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise importer.StoryFormatError(name, None, "the file is not UTF-8 text") from None
            if not text.strip():
                raise importer.StoryFormatError(name, None, "there is no text to attach")
            change = original_text.original_changes(obj, text, filename=name)
            change.loaded_version = obj.version
            changes.edit_story(obj, change, by=request.user)
        except (importer.StoryFormatError, changes.ChangeRefused) as refusal:
            self.message_user(request, f"The original was not attached: {refusal}", messages.ERROR)
            if upload is None:
                request.session[KEPT_ORIGINAL] = {"story": obj.pk, "text": text_or_empty(raw)}
        else:
            self.message_user(request, "The original text is attached.", messages.SUCCESS)
        return redirect("admin:articles_article_translation", pk=pk)

    def correction_original_view(self, request, pk, correction_pk):
        """The original-language text of one of the story's public corrections, saved through
        the door (translators and editors; articles/permissions.py decides)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._story_or_404(request, pk)
        correction = Correction.objects.filter(pk=correction_pk, article=obj).first()
        if correction is None:
            raise Http404("No such correction.")
        typed = request.POST.get("source_text", "")
        back = safe_next(request, reverse("admin:articles_article_change", args=[pk]))
        try:
            changes.translate_correction(
                correction,
                text=typed,
                by=request.user,
                loaded_text=request.POST.get("loaded_text"),
            )
        except changes.ChangeRefused as refusal:
            # What they typed comes back with the reason, never lost.
            self.message_user(request, f"Not saved: {refusal} Your text: {typed}", messages.ERROR)
        else:
            language = obj.original_language_name
            self.message_user(
                request,
                f"The {language} text of the correction of "
                f"{correction.created_at:%-d %B %Y} is saved.",
                messages.SUCCESS,
            )
        return redirect(f"{back}#correction-originals")


def correction_originals_context(request, obj: Article) -> dict:
    """What the desk shows of a translated story's corrections in its original language, and
    whether this person may write them (the story form and the translation review)."""
    corrections = list(obj.corrections.all()) if obj.is_translated else []
    if not corrections:
        return {"correction_originals": []}
    return {
        "correction_originals": corrections,
        "may_translate_corrections": permissions.can_translate_correction(request.user, obj),
        "correction_dir": "rtl" if obj.original_is_right_to_left else "ltr",
    }


KEPT_ORIGINAL = "desk:kept-original"


def text_or_empty(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")[:100_000]
