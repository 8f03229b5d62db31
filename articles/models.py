"""Stories and who made them: Section, Contributor, Image, Article, Byline and StatusChange, and
the QuerySets that read them (which tags and contributors readers may see among them)."""

import math
import re
from datetime import date
from typing import Self

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
from simple_history import register as simple_history_register
from taggit.managers import TaggableManager
from taggit.models import Tag

from .images import CleanCopy, stored_name, validate_image_file
from .sanitize import sanitize_html
from .slugs import unique_slug

WORDS_PER_MINUTE = 230


def language_choices() -> list[tuple[str, str]]:
    return [
        (code, LANG_INFO.get(code, {}).get("name", code)) for code in settings.ORIGINAL_LANGUAGES
    ]


def is_right_to_left(language_code: str) -> bool:
    return bool(LANG_INFO.get(language_code, {}).get("bidi", False))


class Section(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, blank=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Sections are listed by this number, then by name."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Section, self.name, max_length=100, exclude_pk=self.pk)
        super().save(*args, **kwargs)


class Image(models.Model):
    """A picture the newsroom may publish, with the words that must travel with it."""

    file = models.ImageField(
        upload_to=stored_name,
        width_field="width",
        height_field="height",
        validators=[validate_image_file],
        help_text="JPEG, PNG, WebP or GIF.",
    )
    alt_text = models.CharField(
        max_length=300, help_text="What the picture shows, for readers who cannot see it."
    )
    caption = models.TextField(blank=True)
    credit = models.CharField(max_length=200, blank=True)
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Who put it in the library: besides what is published, the pictures a reporter may browse.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(alt_text=""), name="image_alt_text_required"),
        ]

    def __str__(self) -> str:
        return self.alt_text

    def save(self, *args, **kwargs):
        # A new upload is stored as a clean re-encoding of its pixels (articles/images.py): no
        # camera metadata, a random name with its real format's extension. The admin form makes
        # the copy while validating, so a refusal is a form error; code that sets a file directly
        # gets it made here, or a ValidationError. Files already stored (and rows restored from
        # a backup, which do not come through here) are left as they are.
        if self.file and not self.file._committed and not isinstance(self.file.file, CleanCopy):
            from .images import clean_copy

            self.file = clean_copy(self.file)
        super().save(*args, **kwargs)


class ContributorQuerySet(models.QuerySet["Contributor"]):
    def public(self) -> Self:
        """Contributors credited on a story a reader may see now.

        The public site names no one else, and answers 404 for them as for a name that never
        existed: a contributor's address is their name, so a page, a feed or a sitemap entry
        for someone credited only on a draft (or a withdrawn story) would tell anyone who
        guesses the name that this person works with the newsroom.
        """
        credited = Article.objects.published().filter(bylines__contributor=OuterRef("pk"))
        return self.filter(Exists(credited))


class TagQuerySet(models.QuerySet[Tag]):
    def public(self) -> Self:
        """Tags on a story a reader may see now; the public site knows no other (see
        ContributorQuerySet.public(): a tag names what the newsroom is working on)."""
        return self.filter(Exists(Article.objects.published().filter(tags=OuterRef("pk"))))


def all_tags() -> TagQuerySet:
    """Every tag, read through TagQuerySet: all_tags().public(). (taggit's Tag keeps its own
    manager, which this app does not replace.)"""
    return TagQuerySet(Tag)


class Contributor(models.Model):
    """Someone credited on stories: staff reporter, freelancer, translator or photographer."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, blank=True)
    affiliation = models.CharField(
        max_length=200, blank=True, help_text='Role or affiliation line, e.g. "Reporter in Daraa".'
    )
    bio = models.TextField(blank=True)
    photo = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contributor",
        help_text="The staff account of this contributor, if they have one.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ContributorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Contributor, self.name, max_length=200, exclude_pk=self.pk)
        super().save(*args, **kwargs)


class ArticleQuerySet(models.QuerySet["Article"]):
    def published(self) -> Self:
        """Stories a reader may see now: published, or scheduled with their time come."""
        return self.filter(status__in=LIVE_STATES, published_at__lte=timezone.now()).exclude(
            status=Article.Status.SCHEDULED, translation_is_stale=True
        )

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

    def latest(self) -> Self:
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
        ordering = ["-published_at", "-pk"]
        permissions = [
            ("submit_article", "Can submit a story for editing"),
            ("edit_any_article", "Can edit and submit stories of others"),
            ("approve_article", "Can approve stories and send them to translation review"),
            ("review_translation", "Can pass or return a translation"),
            ("publish_article", "Can schedule, publish and withdraw stories"),
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
        ]

    def __str__(self) -> str:
        return self.headline

    # Written only by their owners, each with its own UPDATE: the workflow (status, reason),
    # translation review (staleness), search (the vector). A save of the story's content never
    # writes them, so a form opened before a colleague published cannot put the old state back.
    FIELDS_KEPT_OUT_OF_SAVE = frozenset(
        {"status", "withdrawn_reason", "translation_is_stale", "search_vector"}
    )

    def save(self, *args, **kwargs):
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
        return (
            self.status in LIVE_STATES
            and self.published_at is not None
            and self.published_at <= timezone.now()
            and not (self.status == ArticleStatus.SCHEDULED and self.translation_is_stale)
        )

    @property
    def desk_status(self) -> str:
        """The state as the desk needs to read it: "Published" only when readers can open it."""
        if self.is_readable:
            return "Published"
        if self.status in LIVE_STATES and self.published_at is not None:
            when = timezone.localtime(self.published_at)
            zone = when.tzname() or timezone.get_current_timezone_name()
            label = f"Scheduled for {when:%d %b %Y, %H:%M} {zone}"
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
    def original_language_name(self) -> str:
        return LANG_INFO.get(self.original_language, {}).get("name", self.original_language)

    @property
    def original_is_right_to_left(self) -> bool:
        return is_right_to_left(self.original_language)

    def word_count(self) -> int:
        """Words a reader reads: the body and every exchange (uses prefetched exchanges)."""
        texts = [strip_tags(self.body)]
        texts += [f"{e.question} {e.answer}" for e in self.exchanges.all()]
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


class StatusChange(models.Model):
    """One move of a story through the workflow: the audit trail, written by transition()."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="status_changes")
    transition = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, choices=Article.Status.choices)
    to_status = models.CharField(max_length=20, choices=Article.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        get_latest_by = "changed_at"

    def __str__(self) -> str:
        return f"{self.article}: {self.from_status} → {self.to_status}"


class Correction(models.Model):
    """A dated public note appended to a story that readers have seen, saying what was wrong."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    text = models.TextField(help_text="Shown to readers under the story, with today's date.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="correction_text_required"),
        ]

    def __str__(self) -> str:
        return f"Correction of {self.created_at:%d %b %Y} to “{self.article}”"


class ReviewedSegment(models.Model):
    """One segment of a translated story as its translation was last reviewed.

    The fingerprint of the source text at review time tells which segments changed since; the
    source text itself is kept so the reviewer can see what changed, word by word.
    See articles/translation.py.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reviewed_segments")
    key = models.CharField(max_length=60)
    source_fingerprint = models.CharField(max_length=64)
    source_text = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["article", "key"]
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="reviewed_segment_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.article}: {self.key}"


class AuditEntry(models.Model):
    """One change made through the door (articles/changes.py): who did what to which story or
    library item, and when. Workflow moves have their own rows, StatusChange."""

    action = models.CharField(max_length=40)
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    # What the change was about, as it was called then: a deleted story keeps its headline here.
    subject = models.CharField(max_length=300)
    changed = models.JSONField(default=list, blank=True)
    comment = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["article", "-at"], name="audit_article_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.subject}"

    def get_action_display(self) -> str:
        return AUDIT_ACTIONS.get(self.action, self.action)


# What each AuditEntry.action means, in the desk's words.
AUDIT_ACTIONS = {
    "story.create": "Story created",
    "story.edit": "Story edited",
    "story.import": "Story imported",
    "story.restore": "Revision restored",
    "story.delete": "Story deleted",
    "story.tags": "Tags changed",
    "correction.add": "Correction added",
    "translation.confirm": "Translation confirmed",
    "tag.rename": "Tag renamed",
    "tag.merge": "Tags merged",
    "tag.delete": "Tag deleted",
    "library.add": "Added to the library",
    "library.change": "Library item changed",
    "library.delete": "Library item deleted",
    "archive.restore": "Archive restored",
}


class RevisionTags(models.Model):
    """What a revision keeps besides the story's own fields: its tags as they stood.

    A field of the historical rows only. None on revisions written before tags were kept (and by
    anything but the door), which a restore then leaves as they are.
    """

    tag_names = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


# Revisions: every save of a story, its credits and its exchanges keeps a historical row
# (django-simple-history); articles/revisions.py puts them together into story revisions.
simple_history_register(
    Article, excluded_fields=["updated_at", "search_vector"], bases=[RevisionTags]
)
simple_history_register(Byline)


class Autosave(models.Model):
    """What one person typed into the story form and has not saved yet, kept for them alone.

    Not a revision and not a change of the story: nothing here reaches readers or the story's
    tables, and it is read only by the person who typed it (articles/autosave.py). A successful
    save of the form deletes it. `key` is the story's id, or "new" for a story not yet saved.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=20)
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    data = models.JSONField(default=dict)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="autosave_one_per_person_and_story"
            )
        ]

    def __str__(self) -> str:
        what = self.article or "a new story"
        return f"Unsaved changes to {what} from {timezone.localtime(self.saved_at):%d %B %Y %H:%M}"


# A workflow move also leaves an audit row (articles/workflow.py), beside its StatusChange.
AUDIT_ACTIONS["story.move"] = "Workflow move"
