"""Who may see, change and delete which story in which state, and which of its fields.

The one place these rules live. The admin (ModelAdmins, inlines, the desk pages) asks these
functions; it never decides on its own. Roles are groups of permissions (articles/roles.py); the
permissions open the doors, and the functions here add the story and its state:

- an editor (``articles.edit_any_article``) may do everything;
- a reporter edits only their own stories, and only while they are drafts;
- a translator edits the source text and the translation, and only while the story is in
  translation review.

The state itself is never a field anyone edits: articles.workflow.transition() moves it.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from .models import Article
from .workflow import is_own

Status = Article.Status
User = AbstractBaseUser | AnonymousUser

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
# Fields only an editor sets: when a story goes live is the desk's decision, not the writer's.
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
    """The stories a person created or is credited on, as a filter (mirrors workflow.is_own)."""
    return Q(created_by_id=user.pk) | Q(bylines__contributor__user_id=user.pk)


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
    if article.status == Status.DRAFT and user.has_perm("articles.submit_article"):
        if is_own(article, user):
            return True
    if article.status == Status.TRANSLATION_REVIEW and user.has_perm("articles.review_translation"):
        return True
    return False


def can_delete_article(user: User, article: Article | None = None) -> bool:
    """Only editors delete; everyone else withdraws or asks an editor."""
    return bool(is_editor(user) and user.has_perm("articles.delete_article"))


def editable_article_fields(user: User, article: Article | None) -> frozenset[str] | None:
    """The story fields `user` may change, or None for every field the form has.

    Call it only where can_change_article() is true; where it is false, nothing is editable.
    """
    if is_editor(user):
        return None
    if article is not None and article.pk is not None:
        if article.status == Status.TRANSLATION_REVIEW and user.has_perm(
            "articles.review_translation"
        ):
            return ARTICLE_TRANSLATION_FIELDS
    return None


def readonly_article_fields(user: User, article: Article | None, all_fields: list[str]) -> set[str]:
    """The form fields that `user` sees but may not change on `article`."""
    if article is not None and article.pk is not None and not can_change_article(user, article):
        return set(all_fields)
    editable = editable_article_fields(user, article)
    readonly = set() if editable is None else set(all_fields) - editable
    if not is_editor(user):
        readonly |= EDITOR_ONLY_ARTICLE_FIELDS & set(all_fields)
    return readonly


def can_change_credits(user: User, article: Article | None) -> bool:
    """Bylines, the interviewee, and adding or removing exchanges: the story's structure.

    Writers and editors shape a story; a translator works inside the shape they were given.
    """
    if not can_change_article(user, article):
        return False
    return editable_article_fields(user, article) is None


def can_change_exchanges(user: User, article: Article | None) -> bool:
    """Editing the text of existing exchanges: the writer's, and the translator's in review."""
    return can_change_article(user, article)


def editable_exchange_fields(user: User, article: Article | None) -> frozenset[str] | None:
    """The exchange fields `user` may change, or None for all of them."""
    if can_change_credits(user, article):
        return None
    if can_change_article(user, article):
        return EXCHANGE_TRANSLATION_FIELDS
    return frozenset()


def can_add_correction(user: User, article: Article | None) -> bool:
    """Public corrections are appended by editors, to stories readers have seen."""
    return bool(
        article is not None
        and article.status in (Status.PUBLISHED, Status.WITHDRAWN)
        and is_editor(user)
    )


def can_restore_revision(user: User, article: Article | None) -> bool:
    return is_editor(user)


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
