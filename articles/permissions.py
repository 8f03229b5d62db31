"""Who may see, change and delete which story in which state, and which of its fields.

The one place these rules live. The door (articles/changes/) asks them before every change,
about the story as it was before the change; the admin asks them to decide what to show. Roles
are groups of permissions (articles/roles.py); the permissions open the doors, and the functions
here add the story and its state:

- an editor (``articles.edit_any_article``) may do everything;
- a reporter edits only their own stories, and only while they are drafts; when a story goes
  live (its publication time) is the desk's decision, never the writer's;
- a translator edits the source text and the translation, and only while the story is in
  translation review; and writes the original-language text of a translated story's public
  corrections (can_translate_correction) whenever they may open the story.

The state itself is never a field anyone edits: articles.workflow.transition() moves it.
"""

from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Staff
from django.db.models import Model, Q, QuerySet

from .models import Article, Image

if TYPE_CHECKING:
    from taggit.models import Tag

Status = Article.Status
User = Staff | AnonymousUser

# What a change to a story can touch, by name: its fields, and its parts. "exchanges" is their
# shape (adding, removing, reordering), "exchange_text" the words of exchanges already there.
STORY_FIELDS: frozenset[str] = frozenset(
    {
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
    }
)
STORY_PARTS: frozenset[str] = frozenset({"bylines", "interviewee", "exchanges", "exchange_text"})

# The English text and its original-language source: what a translator works on.
ARTICLE_TRANSLATION_FIELDS: frozenset[str] = frozenset(
    {
        "original_language",
        "source_headline",
        "source_dek",
        "source_body",
        "headline",
        "dek",
        "body",
    }
)
EXCHANGE_TRANSLATION_FIELDS: frozenset[str] = frozenset(
    {"question", "answer", "question_original", "answer_original"}
)
TRANSLATION_CHANGES: frozenset[str] = ARTICLE_TRANSLATION_FIELDS | {"exchange_text"}
# Fields only the desk sets: when a story goes live is an editor's decision, on every path.
EDITOR_ONLY_ARTICLE_FIELDS: frozenset[str] = frozenset({"published_at"})


def is_editor(user: User) -> bool:
    return bool(user.is_active and user.has_perm("articles.edit_any_article"))


def is_translator(user: User) -> bool:
    return bool(
        user.is_active and user.has_perm("articles.review_translation") and not is_editor(user)
    )


def is_reporter(user: User) -> bool:
    return bool(user.is_active and user.has_perm("articles.submit_article") and not is_editor(user))


def own_stories_filter(user: User) -> Q:
    """A reporter's own stories: the ones they created or that credit them. The one definition
    of ownership; is_own() asks it about one story."""
    return Q(created_by_id=user.pk) | Q(bylines__contributor__user_id=user.pk)


def is_own(article: Article, user: User) -> bool:
    """Is `article` one of `user`'s own stories, as the database has it now?"""
    if user.pk is None or article.pk is None:
        return False
    if article.created_by_id is not None and article.created_by_id == user.pk:
        return True
    return Article.objects.filter(own_stories_filter(user), pk=article.pk).exists()


def visible_articles(queryset: QuerySet[Article], *, user: User) -> QuerySet[Article]:
    """The stories `user` may open in the admin.

    Editors see everything. A reporter sees their own stories, in any state, so they can follow
    them through the desk. A translator sees whatever is in translation review, and translated
    stories once submitted: a reporter's draft stays between the reporter and the editors.
    """
    if is_editor(user):
        return queryset
    if not user.is_active or not user.has_perm("articles.view_article"):
        return queryset.none()
    allowed = Q(pk__in=[])
    if user.has_perm("articles.submit_article"):
        own = Article.objects.filter(own_stories_filter(user)).values("pk")
        allowed |= Q(pk__in=own)
    if user.has_perm("articles.review_translation"):
        submitted = ~Q(original_language="") & ~Q(status=Status.DRAFT)
        allowed |= submitted | Q(status=Status.TRANSLATION_REVIEW)
    return queryset.filter(allowed)


def can_view_article(user: User, article: Article | None = None) -> bool:
    if article is None:
        return bool(user.is_active and user.has_perm("articles.view_article"))
    return visible_articles(Article.objects.filter(pk=article.pk), user=user).exists()


def can_add_article(user: User) -> bool:
    return bool(user.is_active and user.has_perm("articles.add_article"))


def can_change_article(user: User, article: Article | None = None) -> bool:
    """May `user` save changes to `article` now? Without an article: to some story at all."""
    if not user.is_active or not user.has_perm("articles.change_article"):
        return False
    if article is None or is_editor(user):
        return True
    if article.pk is None:
        return can_add_article(user)
    if article.status == Status.DRAFT:
        return user.has_perm("articles.submit_article") and is_own(article, user)
    return article.status == Status.TRANSLATION_REVIEW and user.has_perm(
        "articles.review_translation"
    )


def can_delete_article(user: User, article: Article | None = None) -> bool:
    """Only editors delete; everyone else withdraws or asks an editor."""
    return bool(is_editor(user) and user.has_perm("articles.delete_article"))


def allowed_changes(user: User, article: Article | None) -> frozenset[str]:
    """Everything `user` may change on `article` now (fields and parts by name; see STORY_FIELDS
    and STORY_PARTS); empty when they may change nothing. `article` None: a new story."""
    everything = STORY_FIELDS | STORY_PARTS
    if article is None or article.pk is None:
        if not (can_add_article(user) and user.has_perm("articles.change_article")):
            return frozenset()
        return everything if is_editor(user) else everything - EDITOR_ONLY_ARTICLE_FIELDS
    if not can_change_article(user, article):
        return frozenset()
    if is_editor(user):
        return everything
    if (
        article is not None
        and article.pk is not None
        and article.status == Status.TRANSLATION_REVIEW
        and user.has_perm("articles.review_translation")
    ):
        return TRANSLATION_CHANGES
    return everything - EDITOR_ONLY_ARTICLE_FIELDS


def change_refusal(user: User, article: Article | None, changed: set[str]) -> str | None:
    """Why `user` may not make a change touching `changed` on `article` (as it is before the
    change), or None if they may. The reason never names a story they may not see."""
    if not changed:
        return None
    if article is not None and article.pk is not None and not can_view_article(user, article):
        return NOT_YOURS
    allowed = allowed_changes(user, article)
    if not allowed:
        if article is None or article.pk is None:
            return "You may not add stories."
        return (
            f"The story is {article.get_status_display().lower()} and you can no longer change it."
        )
    refused = sorted(changed - allowed)
    if not refused:
        return None
    if set(refused) <= EDITOR_ONLY_ARTICLE_FIELDS:
        return "Only editors set the publication time: the desk decides when a story goes live."
    names = ", ".join(CHANGE_LABELS.get(name, name) for name in refused)
    return f"You may not change these here: {names}."


# Said for a story the person may not open: nothing about it, not even that it exists.
NOT_YOURS = "No such story, or not one you may change."

CHANGE_LABELS = {
    "headline": "headline",
    "slug": "address",
    "dek": "standfirst",
    "body": "text",
    "kind": "kind",
    "section": "section",
    "tags": "tags",
    "lead_image": "lead image",
    "original_language": "original language",
    "source_headline": "original headline",
    "source_dek": "original standfirst",
    "source_body": "original text",
    "published_at": "publication time",
    "bylines": "credits",
    "interviewee": "interviewee",
    "exchanges": "the questions and answers (adding, removing or reordering)",
    "exchange_text": "the words of the questions and answers",
    "embargo": "embargo",
    "embargo_until": "embargo time",
    "embargo_note": "embargo note",
}


def readonly_article_fields(user: User, article: Article | None, all_fields: list[str]) -> set[str]:
    """The form fields that `user` sees but may not change on `article`."""
    allowed = allowed_changes(user, article)
    if can_set_embargo(user, article):
        allowed |= EMBARGO_FIELDS
    return {name for name in all_fields if name not in allowed}


# The embargo: a "not before" time and the desk's note on it. Not story fields the story form's
# save writes: the door's set_embargo / lift_embargo (articles/changes/embargoes.py) do.
EMBARGO_FIELDS: frozenset[str] = frozenset({"embargo_until", "embargo_note"})


def can_set_embargo(user: User, article: Article | None = None) -> bool:
    """Putting an embargo on a story, moving it later, or changing its note: editors."""
    return is_editor(user) and (article is None or can_change_article(user, article))


def can_lift_embargo(user: User) -> bool:
    """Lifting an embargo before its time (clearing it, or moving it earlier while it runs) is a
    permission of its own (articles.lift_embargo), held by the Editor role."""
    return bool(can_set_embargo(user) and user.has_perm("articles.lift_embargo"))


def embargo_refusal(user: User, article: Article, *, lifts_early: bool) -> str | None:
    """Why `user` may not change the embargo of `article` (as it was before the change), or
    None. `lifts_early`: the change clears a running embargo or moves it earlier."""
    if article.pk is not None and not can_view_article(user, article):
        return NOT_YOURS
    if not can_set_embargo(user, article):
        return "Only editors set or change an embargo."
    if lifts_early and not can_lift_embargo(user):
        return (
            "Lifting an embargo before its time needs the permission to lift embargoes: "
            "ask an editor who has it."
        )
    return None


def can_change_credits(user: User, article: Article | None) -> bool:
    """Bylines, the interviewee, and adding or removing exchanges: the story's structure.

    Writers and editors shape a story; a translator works inside the shape they were given.
    """
    return {"bylines", "interviewee", "exchanges"} <= allowed_changes(user, article)


def can_change_exchanges(user: User, article: Article | None) -> bool:
    """Editing the text of existing exchanges: the writer's, and the translator's in review."""
    return "exchange_text" in allowed_changes(user, article)


def editable_exchange_fields(user: User, article: Article | None) -> frozenset[str] | None:
    """The exchange fields `user` may change, or None for all of them."""
    if can_change_credits(user, article):
        return None
    if can_change_exchanges(user, article):
        return EXCHANGE_TRANSLATION_FIELDS
    return frozenset()


def can_add_correction(user: User, article: Article | None) -> bool:
    """Public corrections are appended by editors, to stories readers have seen."""
    return bool(
        article is not None
        and article.status in (Status.PUBLISHED, Status.WITHDRAWN)
        and is_editor(user)
    )


def can_share_preview(user: User, article: Article | None, *, visible: bool | None = None) -> bool:
    """May `user` make a preview link of `article`, showing its latest saved text to someone
    without an account?

    Editors, for any story; a reporter, for their own stories (created or credited), in any state
    they can follow them in. A translator only for a story they are credited on and may open in
    the desk: sharing the translation they worked on with the original's source, say, but never
    a story that was merely handed to them for review. No one shares a withdrawn story: its link
    would show nothing. (`visible`: can_view_article's answer, when the caller already has it.)
    """
    if article is None or article.status == Status.WITHDRAWN:
        return False
    return can_revoke_preview(user, article, visible=visible)


def can_revoke_preview(user: User, article: Article | None, *, visible: bool | None = None) -> bool:
    """May `user` close the preview links of `article`? Whoever may share it, and for a withdrawn
    story whoever could have shared it before."""
    if article is None or article.pk is None or not user.is_active:
        return False
    if is_editor(user):
        return True
    if not user.has_perm("articles.view_article"):
        return False
    if not (
        user.has_perm("articles.submit_article") or user.has_perm("articles.review_translation")
    ):
        return False
    if not is_own(article, user):
        return False
    return can_view_article(user, article) if visible is None else visible


def may_translate_corrections(user: User) -> bool:
    """Is `user` one of those who write corrections' original-language text (on some story)?"""
    return is_editor(user) or bool(user.is_active and user.has_perm("articles.review_translation"))


def can_translate_correction(user: User, article: Article | None) -> bool:
    """May `user` write the original-language text of a correction on `article`?

    Only a translated story has an original language to write it in. Editors may; so may a
    translator, on the translated stories translators work on (visible_articles: any translated
    story once submitted, as with the source text itself); a reporter writes no correction.
    """
    if article is None or article.pk is None or not article.is_translated:
        return False
    if is_editor(user):
        return True
    return bool(
        may_translate_corrections(user)
        and article.status != Status.DRAFT
        and can_view_article(user, article)
    )


def history_horizon(user: User, article: Article) -> datetime | None:
    """From when `user` may read a story's revisions: None for all of them (editors, and the
    story's own reporters), else the moment it first left draft (what a translator was given)."""
    if is_editor(user) or is_own(article, user):
        return None
    first_submitted = (
        article.status_changes.filter(from_status=Status.DRAFT).order_by("changed_at").first()
    )
    return first_submitted.changed_at if first_submitted else article.created_at


def can_restore_revision(user: User, article: Article | None) -> bool:
    return is_editor(user)


def can_manage_tags(user: User) -> bool:
    """Tags are editorial data: renaming, merging and deleting them changes every story that
    carries them, published ones included, so only editors do it."""
    return bool(is_editor(user) and user.has_perm("taggit.change_tag"))


def can_delete_tags(user: User) -> bool:
    return bool(is_editor(user) and user.has_perm("taggit.delete_tag"))


def visible_images(queryset: QuerySet[Image], *, user: User) -> QuerySet[Image]:
    """The pictures `user` may browse in the library. Editors see them all; anyone else the ones
    they uploaded, the ones on stories they may open or that are published, and contributors'
    portraits: a picture on another reporter's draft (a face, a place) stays theirs."""
    if is_editor(user):
        return queryset
    if not user.is_active or not user.has_perm("articles.view_image"):
        return queryset.none()
    from .models import Contributor

    stories = visible_articles(Article.objects.all(), user=user)
    return queryset.filter(
        Q(uploaded_by_id=user.pk)
        | Q(pk__in=stories.exclude(lead_image=None).values("lead_image"))
        | Q(pk__in=Article.objects.published().exclude(lead_image=None).values("lead_image"))
        | Q(pk__in=Contributor.objects.exclude(photo=None).values("photo"))
    )


def visible_tags(queryset: QuerySet["Tag"], *, user: User) -> QuerySet["Tag"]:
    """The tags `user` may browse: all for editors; for anyone else those on stories they may
    open or that are published (a tag on another's draft can say what it is about)."""
    if is_editor(user):
        return queryset
    if not user.is_active or not user.has_perm("taggit.view_tag"):
        return queryset.none()
    from taggit.models import TaggedItem

    stories = visible_articles(Article.objects.all(), user=user).values("pk")
    published = Article.objects.published().values("pk")
    tagged = TaggedItem.objects.filter(
        content_type__app_label="articles", content_type__model="article"
    ).filter(Q(object_id__in=stories) | Q(object_id__in=published))
    return queryset.filter(pk__in=tagged.values("tag_id"))


def can_change_library(user: User, model: type[Model], action: str) -> bool:
    """Sections, contributors and images: the model permission decides ("add", "change",
    "delete"), held by the roles in articles/roles.py."""
    opts = model._meta
    return bool(user.is_active and user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"))


def can_review_translation(user: User, article: Article) -> bool:
    """May `user` confirm the translation of `article` against its current source text?"""
    if not article.is_translated or not user.is_active:
        return False
    if not user.has_perm("articles.review_translation"):
        return False
    return article.status in (
        Status.TRANSLATION_REVIEW,
        Status.APPROVED,
        Status.SCHEDULED,
        Status.PUBLISHED,
    )
