"""Stories: create, edit, delete, correct (and translate a correction), restore a revision,
confirm a translation."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .. import body_media, permissions
from ..models import Article, Contributor, Correction, Image
from ..slugs import unique_slug
from ..text import clean_text
from .bookkeeping import (
    ChangeRefused,
    EditConflict,
    _lock,
    audit,
    claim_version,
    edit_conflict_message,
    through_the_door,
)
from .parts import _section_named, _write_bylines, _write_exchanges, _write_interviewee
from .signals import announce
from .story_changes import (
    EXCHANGE_TEXT,
    FOREIGN_KEYS,
    KEEP,
    BylineRow,
    ExchangeRow,
    Interviewee,
    NewSection,
    StoryChanges,
    StoryState,
    _id_of,
    _keep_what_forms_round,
    _normalised,
    changed_parts,
    state_of,
)

Status = Article.Status


@through_the_door
def create_story(
    changes: StoryChanges, *, by: User, action: str = "story.create", reason: str = ""
) -> Article:
    """Add a story as a draft of `by`'s, with what `changes` says."""
    changes = _normalised(changes)
    changed = changed_parts(None, changes)
    refusal = permissions.change_refusal(by, None, changed | {"headline"})
    if refusal:
        raise ChangeRefused(refusal)
    article = Article(created_by=by)
    _write(article, None, changes, changed, by=by, reason=reason)
    audit(action, by=by, article=article, changed=changed, comment=reason)
    announce([article.pk], changed)
    return article


@through_the_door
def edit_story(
    article: Article,
    changes: StoryChanges,
    *,
    by: User,
    action: str = "story.edit",
    reason: str = "",
) -> tuple[Article, set[str]]:
    """Apply `changes` to `article` for `by`; returns the story as saved and what changed.

    A change that changes nothing writes nothing. Raises ChangeRefused (EditConflict when
    someone else changed the story since `changes.loaded_version`) having written nothing.
    """
    before = _lock(article)
    changes = _normalised(changes)
    state = state_of(before)
    _keep_what_forms_round(changes, state)
    changed = changed_parts(state, changes)
    if not changed:
        return before, changed
    refusal = permissions.change_refusal(by, before, changed)
    if refusal:
        raise ChangeRefused(refusal)
    if changes.loaded_version is not None and changes.loaded_version != before.version:
        raise EditConflict(edit_conflict_message(before))
    if not claim_version(before):
        raise EditConflict(edit_conflict_message(before))
    _write(before, state, changes, changed, by=by, reason=reason)
    audit(action, by=by, article=before, changed=changed, comment=reason)
    announce([before.pk], changed)
    return before, changed


def _write(
    article: Article,
    state: StoryState | None,
    changes: StoryChanges,
    changed: set[str],
    *,
    by: User,
    reason: str,
) -> None:
    """Write a checked change: the story (its revision row first), then its parts."""
    fields = dict(changes.fields)
    section = fields.get("section")
    if isinstance(section, NewSection):
        fields["section"] = _section_named(section.name, by=by)
    for name, value in fields.items():
        if name in FOREIGN_KEYS:
            setattr(article, f"{name}_id", _id_of(value))
        else:
            setattr(article, name, value)
    _check_publication_time(article, state)
    _check_parts_fit_the_kind(article, state, changes)
    if "body" in changed:
        before_body = state.fields["body"] if state else ""
        refusal = body_media.picture_refusal(
            article.body, before_body, by=by, images=Image.objects.all()
        )
        if refusal:
            raise ChangeRefused(refusal)
    if not article.headline:
        raise ChangeRefused("A story needs a headline.")
    if not article.slug:
        article.slug = unique_slug(Article, article.headline, max_length=80, exclude_pk=article.pk)
    elif "slug" in changed and _address_is_taken(article):
        raise ChangeRefused(
            f"The address {reverse('articles:detail', args=[article.slug])} is taken by another "
            "story: choose another."
        )
    tags = changes.tags if changes.tags is not None else list(state.tags if state else ())
    try:
        with transaction.atomic():
            _save_revision(article, by=by, reason=reason, tags=tags)
    except IntegrityError:
        # Two new stories given one address at the same moment: the database took the first.
        if _address_is_taken(article):
            raise ChangeRefused(
                f"The address {reverse('articles:detail', args=[article.slug])} was taken just "
                "now by another story: choose another."
            ) from None
        raise
    if "tags" in changed:
        article.tags.set(changes.tags or [])
    if "bylines" in changed:
        _write_bylines(article, changes.bylines or [], by=by)
    if "interviewee" in changed:
        _write_interviewee(article, changes.interviewee, by=by)
    if changed & {"exchanges", "exchange_text"}:
        _write_exchanges(article, state, changes.exchanges or [], by=by)


def _address_is_taken(article: Article) -> bool:
    return Article.objects.filter(slug=article.slug).exclude(pk=article.pk).exists()


def _check_parts_fit_the_kind(
    article: Article, state: StoryState | None, changes: StoryChanges
) -> None:
    """Questions, answers and an interviewee belong to interviews: the pages of other kinds do
    not show them, so they must not be kept there, unseen but searchable."""
    if article.kind == Article.Kind.INTERVIEW:
        return
    exchanges = changes.exchanges if changes.exchanges is not None else (state and state.exchanges)
    interviewee = (
        changes.interviewee if changes.interviewee is not KEEP else (state and state.interviewee)
    )
    if exchanges or interviewee:
        raise ChangeRefused(
            f"A story of the kind {article.get_kind_display().lower()} has no questions, answers "
            "or interviewee: remove them, or keep the kind Interview."
        )


def _check_publication_time(article: Article, state: StoryState | None) -> None:
    """A story in front of readers keeps a publication time, and one in the past: Publish means
    readable now (a later time is what Schedule is for)."""
    if article.status not in Article.LIVE_STATES:
        return
    if article.published_at is None:
        raise ChangeRefused(
            f"A story that is {article.get_status_display().lower()} needs its publication time."
        )
    if article.status == Status.PUBLISHED and article.published_at > timezone.now():
        raise ChangeRefused(
            "A published story's publication time cannot be in the future. To take it off the "
            "site until then, withdraw it and schedule it again."
        )


def _save_revision(article: Article, *, by: User | None, reason: str, tags: list[str]) -> None:
    """Save the story itself, which writes its revision row, carrying the tags."""
    article._history_user = by if by is not None and by.is_authenticated else None
    article._change_reason = reason or None
    article._revision_tags = sorted(tags, key=str.lower)
    try:
        article.save()
    finally:
        del article._revision_tags


def keep_revision_tags(
    sender: object, *, instance: Article, history_instance: Any, **kwargs: object
) -> None:
    """A story's revision row carries the tags the door saved it with (articles/apps.py)."""
    tags = getattr(instance, "_revision_tags", None)
    if isinstance(instance, Article) and tags is not None:
        history_instance.tag_names = tags


@through_the_door
def delete_story(article: Article, *, by: User) -> None:
    """Delete a story for good (editors only); the audit row keeps its headline."""
    before = _lock(article)
    if not permissions.can_view_article(by, before):
        raise ChangeRefused(permissions.NOT_YOURS)
    if not permissions.can_delete_article(by, before):
        raise ChangeRefused("Only editors delete stories. Withdraw it, or ask an editor.")
    pk = before.pk
    audit("story.delete", by=by, subject=before.headline, changed=["story"])
    before._history_user = by
    before.delete()
    announce([pk], {"story"}, site_wide=True)


@through_the_door
def add_correction(article: Article, text: str, *, by: User) -> Correction:
    """Append a dated public correction to a story readers have seen (editors only)."""
    before = _lock(article)
    if not permissions.can_view_article(by, before):
        raise ChangeRefused(permissions.NOT_YOURS)
    if not permissions.can_add_correction(by, before):
        raise ChangeRefused(
            "Corrections are added by editors, to stories that have been published."
        )
    text = clean_text(text or "").strip()
    if not text:
        raise ChangeRefused("A correction needs its text.")
    correction = Correction.objects.create(article=before, text=text, created_by=by)
    audit("correction.add", by=by, article=before, changed=["corrections"], comment=text)
    announce([before.pk], {"corrections"})
    return correction


@through_the_door
def translate_correction(
    correction: Correction, *, text: str, by: User, loaded_text: str | None = None
) -> Correction:
    """Write (or, with empty `text`, clear) the original-language text of a correction, shown on
    its story's original-language page; editors, and translators on translated stories.

    `loaded_text`, the text as the person saw it, refuses the change (EditConflict) when someone
    else changed it since. A change that changes nothing writes nothing.
    """
    # The correction as it is now, and its story locked, before anything is decided.
    current = Correction.objects.filter(pk=correction.pk).only("article_id").first()
    if current is None:
        raise ChangeRefused("No such correction.")
    before = _lock(current.article_id)
    current = Correction.objects.select_for_update().get(pk=correction.pk)
    if not permissions.can_view_article(by, before):
        raise ChangeRefused(permissions.NOT_YOURS)
    if not permissions.can_translate_correction(by, before):
        if permissions.may_translate_corrections(by) and not before.is_translated:
            raise ChangeRefused(
                "This story has no original language, so its corrections have no original text."
            )
        raise ChangeRefused(
            "The original-language text of a correction is written by translators and editors."
        )
    text = clean_text(text or "").strip()
    if loaded_text is not None and clean_text(loaded_text).strip() != current.source_text:
        raise EditConflict(
            "Someone else changed the original-language text of this correction after you opened "
            f"it. It now reads: “{current.source_text or '(nothing)'}”. Your text has not been "
            f"saved: {text}"
        )
    if text == current.source_text:
        return current
    current.source_text = text
    current.save(update_fields=["source_text"])
    language = before.original_language_name
    comment = f"{language}: {text}" if text else f"{language} text removed"
    audit("correction.translate", by=by, article=before, changed=["corrections"], comment=comment)
    # Not "corrections": the story is not corrected again, and its reporters are not told so.
    announce([before.pk], {"correction_original"})
    return current


@through_the_door
def restore_revision(article: Article, revision: Any, *, by: User) -> Article:
    """Write an earlier revision's words, credits, exchanges and tags back as a new revision.

    Never the workflow state, which only articles/workflow/ moves. Refused, having changed
    nothing, when the revision's address has since gone to another story.
    """
    before = _lock(article)
    if not permissions.can_view_article(by, before):
        raise ChangeRefused(permissions.NOT_YOURS)
    if not permissions.can_restore_revision(by, before):
        raise ChangeRefused("Only editors restore revisions.")
    slug = revision.fields["slug"]
    holder = Article.objects.filter(slug=slug).exclude(pk=before.pk).first()
    if holder is not None:
        raise ChangeRefused(
            f"Revision {revision.number} was not restored: its address "
            f"{reverse('articles:detail', args=[slug])} now belongs to “{holder.headline}”. "
            "Change that story's address first."
        )
    fields: dict[str, Any] = {}
    for attname, value in revision.fields.items():
        name = attname.removesuffix("_id")
        model = FOREIGN_KEYS.get(name)
        if model is not None and value is not None and not model.objects.filter(pk=value).exists():
            value = None  # removed from the library since
        fields[name] = value
    contributors = set(
        Contributor.objects.filter(
            pk__in=[b["contributor_id"] for b in revision.bylines]
        ).values_list("pk", flat=True)
    )
    when = timezone.localtime(revision.at)
    reason = f"Restored revision {revision.number} of {when:%Y-%m-%d %H:%M}"
    changes = StoryChanges(
        fields=fields,
        tags=revision.tags,
        bylines=[
            BylineRow(role=b["role"], contributor_id=b["contributor_id"])
            for b in revision.bylines
            if b["contributor_id"] in contributors
        ],
        interviewee=(
            Interviewee(
                revision.interview["interviewee_name"],
                revision.interview["interviewee_description"],
            )
            if revision.interview
            else None
        ),
        # Written afresh: a restore brings back the exchanges as they were, not as they are.
        exchanges=[
            ExchangeRow(**{name: e[name] for name in EXCHANGE_TEXT}, position=e["position"])
            for e in revision.exchanges
        ],
    )
    restored, _ = edit_story(before, changes, by=by, action="story.restore", reason=reason)
    return restored


@through_the_door
def confirm_translation(article: Article, *, by: User, keys: set[str]) -> int:
    """Confirm the translation of the segments `keys` of a story past translation review against
    their present source, so that it may be published; returns how many."""
    from .. import translation

    before = _lock(article)
    if not permissions.can_view_article(by, before):
        raise ChangeRefused(permissions.NOT_YOURS)
    if not permissions.can_review_translation(by, before):
        raise ChangeRefused("You cannot confirm this translation now.")
    count = translation.record_review(before, by=by, keys=keys)
    audit("translation.confirm", by=by, article=before, changed=["review"], comment=f"{count} seg.")
    announce([before.pk], {"review"})
    return count
