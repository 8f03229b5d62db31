"""Stories and their credits: Article with its QuerySet, kinds and states, Byline, and which
tags readers may see among them."""

import math
import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager
from taggit.models import Tag

from ..sanitize import sanitize_html
from ..slugs import unique_slug
from .library import Contributor, Image, Section

WORDS_PER_MINUTE = 230


def language_choices() -> list[tuple[str, str]]:
    return [
        (code, LANG_INFO.get(code, {}).get("name", code)) for code in settings.ORIGINAL_LANGUAGES
    ]


def is_right_to_left(language_code: str) -> bool:
    return bool(LANG_INFO.get(language_code, {}).get("bidi", False))


class TagQuerySet(models.QuerySet[Tag]):
    def public(self) -> Self:
        """Tags on a story a reader may see now; the public site knows no other (see
        ContributorQuerySet.public(): a tag names what the newsroom is working on)."""
        return self.filter(Exists(Article.objects.published().filter(tags=OuterRef("pk"))))


def all_tags() -> TagQuerySet:
    """Every tag, read through TagQuerySet: all_tags().public(). (taggit's Tag keeps its own
    manager, which this app does not replace.)"""
    return TagQuerySet(Tag)


class IsLive(models.Func):
    """`status IN ('published', 'scheduled')`, with the states written into the SQL.

    Django binds the values of `status__in` as parameters, and SQLite then cannot use the partial
    indexes whose condition is this one (it matches a partial index's WHERE only against
    literals), so every reader's list read every story: the home page took a second at 10,000
    stories. The states are the code's own constants, never anything typed.
    """

    arity = 1
    output_field = models.BooleanField()

    @property
    def template(self) -> str:  # type: ignore[override]  # Func's is a class attribute
        states = ", ".join(f"'{state}'" for state in LIVE_STATES)
        return f"%(expressions)s IN ({states})"


class ArticleQuerySet(models.QuerySet["Article"]):
    def published(self) -> Self:
        """Stories a reader may see now: published, or scheduled with their time come, and not
        under an embargo still to run (every public path reads stories through here)."""
        now = timezone.now()
        return (
            self.filter(IsLive("status"), published_at__lte=now)
            .filter(Q(embargo_until__isnull=True) | Q(embargo_until__lte=now))
            .exclude(status=Article.Status.SCHEDULED, translation_is_stale=True)
        )

    def embargoed(self, *, now: datetime | None = None) -> Self:
        """Stories under an embargo still to run: no reader sees them until its time."""
        return self.filter(embargo_until__gt=now or timezone.now())

    def for_listing(self) -> Self:
        """Fetch section, bylines and tags up front so list pages stay at a fixed query count."""
        bylines = Byline.objects.select_related("contributor").order_by("position")
        return self.select_related("section", "lead_image").prefetch_related(
            Prefetch("bylines", queryset=bylines), "tags"
        )

    def for_page(self) -> Self:
        """Everything one story's page shows, in a fixed number of queries."""
        # Exchanges come in their position order (Exchange.Meta.ordering).
        return self.for_listing().select_related("interview").prefetch_related("exchanges")

    def without_text(self) -> Self:
        """Leave the long texts in the database: cards and admin rows show none of them."""
        return self.defer(*Article.LONG_TEXT_FIELDS)

    def offered_in(self, language: str) -> Self:
        """Stories whose original-language text in `language` readers can be offered: translated
        from it, with an original headline or text (what /articles/<slug>/original/ shows). Chain
        after published(); the original-language edition (public/editions.py) lists these."""
        return self.filter(original_language=language).filter(ORIGINAL_TEXT_GIVEN)

    def newest_first(self) -> Self:
        """Newest publication first (Django's own latest() still returns one row)."""
        return self.order_by("-published_at", "-pk")

    def months(self) -> list[date]:
        """The first day of each month (site time zone) with one of these stories, newest first.

        `.dates("published_at", "month")` is a DISTINCT over every story: 130 ms at 100,000. On
        PostgreSQL a recursive query walks the date index instead, one probe a month: from the
        newest story, the newest one before that month began, and so on (about 2 ms for ten
        years). Elsewhere the archive is small and .dates() does.
        """
        connection = connections[self.db]
        if connection.vendor != "postgresql":
            return list(self.dates("published_at", "month", order="DESC"))
        try:
            stories, params = self.order_by().values("published_at").query.sql_with_params()
        except EmptyResultSet:  # .none(), or a filter that can match nothing
            return []
        zone = timezone.get_current_timezone_name()
        sql = f"""
            WITH RECURSIVE months(start) AS (
                SELECT date_trunc('month', (SELECT MAX(s.published_at) FROM ({stories}) s)
                    AT TIME ZONE %s)
              UNION ALL
                SELECT date_trunc('month', (
                    SELECT MAX(s.published_at) FROM ({stories}) s
                    WHERE s.published_at < (months.start AT TIME ZONE %s)
                ) AT TIME ZONE %s)
                FROM months WHERE months.start IS NOT NULL
            )
            SELECT start FROM months WHERE start IS NOT NULL
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, (*params, zone, *params, zone, zone))
            return [row[0].date() for row in cursor.fetchall()]


# A story has an original-language text to show: a headline or a text (Article.has_original_text).
ORIGINAL_TEXT_GIVEN = ~Q(original_language="") & (~Q(source_headline="") | ~Q(source_body=""))


class ArticleKind(models.TextChoices):
    NEWS = "news", "News"
    ANALYSIS = "analysis", "Analysis"
    FEATURE = "feature", "Feature"
    OPINION = "opinion", "Opinion"
    INTERVIEW = "interview", "Interview"


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    EDITING = "editing", "Editing"
    TRANSLATION_REVIEW = "translation_review", "Translation review"
    APPROVED = "approved", "Approved"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The states in which a story can be in front of readers: published, or scheduled once its time
# has come (ArticleQuerySet.published() adds the time). The one list of them; indexes, the page
# cache and the workflow read it from here.
LIVE_STATES: tuple[str, ...] = (ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED)


class Article(models.Model):
    """One story: the unit of the workflow and of the public site."""

    if TYPE_CHECKING:
        # Given by django-simple-history (its manager, and what a save tells it).
        history: ClassVar[Any]
        _history_user: Any
        _change_reason: str | None
        # What the door keeps for the revision it is saving (articles.changes).
        _revision_tags: list[str]

    Kind = ArticleKind
    Status = ArticleStatus
    LIVE_STATES = LIVE_STATES
    # What ArticleQuerySet.without_text() leaves unread: the texts only a story's own page shows.
    LONG_TEXT_FIELDS = ("body", "source_headline", "source_dek", "source_body", "search_vector")

    headline = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        blank=True,
        help_text="The story's address: /articles/<slug>/. Made from the headline if left empty.",
    )
    dek = models.TextField(
        "standfirst", blank=True, help_text="One or two sentences under the headline."
    )
    body = ProseEditorField(
        blank=True,
        sanitize=sanitize_html,
        extensions={
            "Bold": True,
            "Italic": True,
            "Heading": {"levels": [2, 3]},
            "BulletList": True,
            "OrderedList": True,
            "ListItem": True,
            "Blockquote": True,
            "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
            "HardBreak": True,
            "History": True,
            # Spell-check is the browser's: on (the library switches it off by default).
            "NoSpellCheck": False,
            # Pictures from the library and embeds, stored as references (body_media.py).
            "LibraryImage": True,
            "Embed": True,
        },
        help_text="The intro and text of the story. An interview's questions and answers go below.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEWS)
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    tags = TaggableManager(blank=True)
    lead_image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Translation: the original-language text the English was translated from.
    original_language = models.CharField(
        max_length=10,
        blank=True,
        choices=language_choices,
        help_text=(
            "Set when the story is translated; its source text is reviewed before publication."
        ),
    )
    source_headline = models.CharField("original headline", max_length=300, blank=True)
    source_dek = models.TextField("original standfirst", blank=True)
    source_body = models.TextField(
        "original text", blank=True, help_text="Paragraphs separated by blank lines."
    )

    # Workflow. Only articles.workflow.transition() changes status.
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    published_at = models.DateTimeField(
        "publication time",
        null=True,
        blank=True,
        help_text=(
            "Set on publication if empty. A future time on a scheduled story is when it goes live."
        ),
    )
    withdrawn_reason = models.TextField("public reason for withdrawal", blank=True, editable=False)
    # An embargo: "not before" this time, whatever the state. Written only by the door's
    # set_embargo / lift_embargo (articles/changes/embargoes.py), each with its own UPDATE.
    embargo_until = models.DateTimeField(
        "embargo until",
        null=True,
        blank=True,
        help_text=(
            "Not before this time: no reader sees the story until then, and it cannot be "
            "published or scheduled earlier."
        ),
    )
    embargo_note = models.TextField(
        "embargo note",
        blank=True,
        help_text="For the desk only: who asked for the embargo, and why. Never shown to readers.",
    )
    # Set when the original text changed after its translation was reviewed (articles.translation
    # keeps it current). A scheduled story so marked does not go live until reviewed again.
    translation_is_stale = models.BooleanField(default=False, editable=False)
    # What full-text search matches on PostgreSQL (articles.search keeps it current; GIN-indexed
    # by migration 0006 there). Unused on SQLite, which searches the text itself.
    search_vector = SearchVectorField(null=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped on every save; a form saved against an older version is refused, not merged.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = "story"
        verbose_name_plural = "stories"
        ordering = ["-published_at", "-pk"]
        permissions = [
            ("submit_article", "Can submit a story for editing"),
            ("edit_any_article", "Can edit and submit stories of others"),
            ("approve_article", "Can approve stories and send them to translation review"),
            ("review_translation", "Can pass or return a translation"),
            ("publish_article", "Can schedule, publish and withdraw stories"),
            ("lift_embargo", "Can lift an embargo before its time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ArticleStatus.values), name="article_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ArticleKind.values), name="article_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(headline=""), name="article_headline_required"),
            models.CheckConstraint(condition=~Q(slug=""), name="article_slug_required"),
            models.CheckConstraint(
                condition=~Q(status__in=LIVE_STATES) | Q(published_at__isnull=False),
                name="article_live_has_publication_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_pub_idx"),
            # Every story newest first, drafts included: the admin's story list.
            models.Index(fields=["-published_at", "-id"], name="article_latest_idx"),
            # Live stories newest first, in the order every listing, feed and sitemap reads them.
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(status__in=LIVE_STATES),
                name="article_live_latest_idx",
            ),
            models.Index(
                fields=["section", "-published_at", "-id"],
                condition=Q(status__in=LIVE_STATES),
                name="article_live_section_idx",
            ),
            # The few stories under an embargo: when the next one ends (the page cache), and the
            # ones whose time has come (publish_scheduled, every minute).
            models.Index(
                fields=["embargo_until"],
                condition=Q(embargo_until__isnull=False),
                name="article_embargo_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.headline

    # Written only by their owners, each with its own UPDATE: the workflow (status, reason),
    # translation review (staleness), search (the vector). A save of the story's content never
    # writes them, so a form opened before a colleague published cannot put the old state back.
    FIELDS_KEPT_OUT_OF_SAVE = frozenset(
        {
            "status",
            "withdrawn_reason",
            "translation_is_stale",
            "search_vector",
            "embargo_until",
            "embargo_note",
        }
    )

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.body = sanitize_html(self.body)
        if not self.slug:
            self.slug = unique_slug(Article, self.headline, max_length=80, exclude_pk=self.pk)
        if not self._state.adding and kwargs.get("update_fields") is None and not args:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.FIELDS_KEPT_OUT_OF_SAVE
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", args=[self.slug])

    @property
    def is_readable(self) -> bool:
        """Can a reader open it now? The same test as ArticleQuerySet.published(), for one story."""
        now = timezone.now()
        return (
            self.status in LIVE_STATES
            and self.published_at is not None
            and self.published_at <= now
            and not self.is_embargoed
            and not (self.status == ArticleStatus.SCHEDULED and self.translation_is_stale)
        )

    @property
    def is_embargoed(self) -> bool:
        """Is the story under an embargo still to run (no reader may see it yet)?"""
        return self.embargo_until is not None and self.embargo_until > timezone.now()

    @property
    def desk_status(self) -> str:
        """The state as the desk needs to read it: "Published" only when readers can open it;
        "Embargoed until ..." and "Scheduled for ..." say when they will."""
        if self.is_readable:
            return "Published"
        from ..desk_time import shown

        at = "%d %b %Y, %H:%M"
        until = self.embargo_until
        if until is not None and self.is_embargoed:
            embargoed = f"mbargoed until {shown(until, at)}"
            if self.status not in LIVE_STATES:
                return f"{self.get_status_display()}, e{embargoed}"
            if self.published_at is not None and self.published_at > until:
                return f"E{embargoed}, scheduled for {shown(self.published_at, at)}"
            return f"E{embargoed}"
        if self.status in LIVE_STATES and self.published_at is not None:
            label = f"Scheduled for {shown(self.published_at, at)}"
            if self.status == ArticleStatus.SCHEDULED and self.translation_is_stale:
                label += ", held until the translation is reviewed again"
            return label
        return self.get_status_display()

    @property
    def is_interview(self) -> bool:
        return self.kind == self.Kind.INTERVIEW

    @property
    def is_translated(self) -> bool:
        return bool(self.original_language)

    @property
    def has_original_text(self) -> bool:
        """Has it an original-language page (/articles/<slug>/original/)? The same test as
        ORIGINAL_TEXT_GIVEN, for one story."""
        return self.is_translated and bool(self.source_headline or self.source_body)

    @property
    def original_url(self) -> str:
        return reverse("articles:original", args=[self.slug])

    @property
    def original_language_name(self) -> str:
        return LANG_INFO.get(self.original_language, {}).get("name", self.original_language)

    @property
    def original_is_right_to_left(self) -> bool:
        return is_right_to_left(self.original_language)

    def word_count(self) -> int:
        """Words a reader reads: the body and every exchange (uses prefetched exchanges)."""
        texts = [strip_tags(self.body)]
        texts += [f"{e.question} {strip_tags(e.answer)}" for e in self.exchanges.all()]
        return sum(len(re.findall(r"\w+", text)) for text in texts)

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.word_count() / WORDS_PER_MINUTE))


class BylineRole(models.TextChoices):
    AUTHOR = "author", "Author"
    REPORTER = "reporter", "Reporter"
    INTERVIEWER = "interviewer", "Interviewer"
    TRANSLATOR = "translator", "Translator"
    PHOTOGRAPHER = "photographer", "Photographer"
    EDITOR = "editor", "Editor"


class Byline(models.Model):
    """A credit on a story: who did what, in the order the story names them."""

    if TYPE_CHECKING:
        # Given by django-simple-history (its manager, and what a save tells it).
        history: ClassVar[Any]
        _history_user: Any

    Role = BylineRole

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    contributor = models.ForeignKey(Contributor, on_delete=models.PROTECT, related_name="bylines")
    role = models.CharField(max_length=20, choices=Role.choices, default=BylineRole.AUTHOR)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="byline_one_per_position"),
            models.UniqueConstraint(
                fields=["article", "contributor", "role"], name="byline_one_credit_per_role"
            ),
            models.CheckConstraint(
                condition=Q(role__in=BylineRole.values), name="byline_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contributor} ({self.get_role_display().lower()})"
