"""The library stories draw on: sections, pictures (Image) and contributors, and which
contributors readers may see."""

from typing import Any, Self

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q

from ..images import CleanCopy, stored_name, validate_image_file
from ..slugs import unique_slug


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

    def save(self, *args: Any, **kwargs: Any) -> None:
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
    # The point crops keep in frame (public/renditions.py), as fractions of the width from the
    # left and of the height from the top; empty means the centre on that axis.
    focal_x = models.FloatField(
        "focal point across",
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="From 0 (left edge) to 1 (right edge); empty for the middle.",
    )
    focal_y = models.FloatField(
        "focal point down",
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="From 0 (top edge) to 1 (bottom edge); empty for the middle.",
    )
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
            models.CheckConstraint(
                condition=Q(focal_x__isnull=True) | Q(focal_x__gte=0, focal_x__lte=1),
                name="image_focal_x_in_picture",
            ),
            models.CheckConstraint(
                condition=Q(focal_y__isnull=True) | Q(focal_y__gte=0, focal_y__lte=1),
                name="image_focal_y_in_picture",
            ),
        ]

    def __str__(self) -> str:
        return self.alt_text

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A new upload is stored as a clean re-encoding of its pixels (articles/images.py): no
        # camera metadata, a random name with its real format's extension. The admin form makes
        # the copy while validating, so a refusal is a form error; code that sets a file directly
        # gets it made here, or a ValidationError. Files already stored (and rows restored from
        # a backup, which do not come through here) are left as they are.
        if self.file and not self.file._committed and not isinstance(self.file.file, CleanCopy):
            from ..images import clean_copy

            self.file = clean_copy(self.file)
        super().save(*args, **kwargs)

    @property
    def focal_point(self) -> tuple[float, float]:
        """The focal point as (across, down) fractions: the centre where none is marked."""
        return (
            0.5 if self.focal_x is None else self.focal_x,
            0.5 if self.focal_y is None else self.focal_y,
        )


class ContributorQuerySet(models.QuerySet["Contributor"]):
    def public(self) -> Self:
        """Contributors credited on a story a reader may see now.

        The public site names no one else, and answers 404 for them as for a name that never
        existed: a contributor's address is their name, so a page, a feed or a sitemap entry
        for someone credited only on a draft (or a withdrawn story) would tell anyone who
        guesses the name that this person works with the newsroom.
        """
        from .stories import Article  # which imports this module

        credited = Article.objects.published().filter(bylines__contributor=OuterRef("pk"))
        return self.filter(Exists(credited))


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

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = unique_slug(Contributor, self.name, max_length=200, exclude_pk=self.pk)
        super().save(*args, **kwargs)
