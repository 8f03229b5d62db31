"""The library: sections, contributors and images, added, changed and deleted through the
door as the person's role allows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.contrib.auth.models import User
from django.db import models, transaction

from .. import focal, image_files, permissions
from ..models import Article, Byline, Contributor, Image, Section
from ..text import clean_values
from .bookkeeping import ChangeRefused, audit, through_the_door
from .signals import announce, picture_saved

# Sections, contributors and pictures: what the library holds.
LibraryItem = TypeVar("LibraryItem", bound=models.Model)


def stories_showing(obj: models.Model) -> set[int]:
    """The stories whose pages show this library item (their search text, their cards)."""
    if isinstance(obj, Contributor):
        return set(Byline.objects.filter(contributor=obj).values_list("article_id", flat=True))
    if isinstance(obj, Image):
        return set(Article.objects.filter(lead_image=obj).values_list("pk", flat=True))
    if isinstance(obj, Section):
        return set()  # every page lists sections: site_wide says so
    return set()


@through_the_door
def save_library_item(obj: LibraryItem, *, by: User, changed: Iterable[str] = ()) -> LibraryItem:
    """Add or change a section, a contributor or an image, as the person's role allows."""
    adding = obj._state.adding
    if not permissions.can_change_library(by, type(obj), "add" if adding else "change"):
        raise ChangeRefused(
            f"You may not {'add' if adding else 'change'} {obj._meta.verbose_name_plural}."
        )
    if isinstance(obj, Contributor) and not permissions.is_editor(by):
        linked = None if adding else Contributor.objects.filter(pk=obj.pk).values("user_id")
        if obj.user_id != (linked[0]["user_id"] if linked else None):
            # Credited on a story means owning it: only the desk says whose account a name is.
            raise ChangeRefused("Only editors link a contributor to a staff account.")
    if isinstance(obj, Image) and adding:
        obj.uploaded_by = by
    if isinstance(obj, Image):
        try:
            obj.focal_x = focal.checked(obj.focal_x, "across")
            obj.focal_y = focal.checked(obj.focal_y, "down")
        except focal.FocalPointError as error:
            raise ChangeRefused(str(error)) from None
    texts = {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if isinstance(getattr(obj, field.attname), str)
    }
    for name, value in clean_values(texts, model=type(obj)).items():
        setattr(obj, name, value)
    picture = obj if isinstance(obj, Image) else None
    new_file = picture is not None and bool(picture.file) and not picture.file._committed
    moved = picture is not None and not adding and _focal_point_moved(picture)
    if isinstance(obj, Image):
        image_files.delete_replaced_file(obj)  # once this commits: a replaced picture goes
        image_files.delete_moved_crops(obj)  # and crops around a point no longer marked
    obj.save()
    if picture is not None and (new_file or moved):
        # Its renditions (crops around a moved point) are made in the background once the file
        # is committed.
        image_pk, file_name = picture.pk, picture.file.name
        transaction.on_commit(
            lambda: picture_saved.send(sender=Image, image_pk=image_pk, file_name=file_name),
            robust=True,
        )
    label = f"{str(obj._meta.verbose_name).capitalize()} “{obj}”"
    audit("library.add" if adding else "library.change", by=by, subject=label, changed=changed)
    announce(stories_showing(obj), {"library"}, site_wide=True)
    return obj


def _focal_point_moved(image: Image) -> bool:
    row = Image.objects.filter(pk=image.pk).values_list("focal_x", "focal_y").first()
    return row is not None and tuple(row) != (image.focal_x, image.focal_y)


@through_the_door
def delete_library_item(obj: models.Model, *, by: User) -> None:
    """Delete a section, a contributor or an image, as the person's role allows. A section or a
    contributor that stories still use is refused; an image is taken off the stories using it."""
    if not permissions.can_change_library(by, type(obj), "delete"):
        raise ChangeRefused(f"You may not delete {obj._meta.verbose_name_plural}.")
    stories = stories_showing(obj)
    label = f"{str(obj._meta.verbose_name).capitalize()} “{obj}”"
    try:
        with transaction.atomic():
            if isinstance(obj, Image):
                image_files.delete_stored_files(obj)  # the file and its renditions, once committed
            obj.delete()
    except models.ProtectedError:
        raise ChangeRefused(f"{label} is still used by stories, so it was not deleted.") from None
    audit("library.delete", by=by, subject=label)
    announce(stories, {"library"}, site_wide=True)
