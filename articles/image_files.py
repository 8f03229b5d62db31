"""Where a picture's files are kept, and when they go: its stored file, under a random name, and
its renditions (renditions/<image id>/<digest>-<width>.<format>, and its crops around the focal
point, <digest>-<shape>-<point>-<width>.<format>: articles/focal.py), which the public site makes.

Deleting or replacing a picture removes its files once the change commits (the door calls
delete_stored_files and delete_replaced_file); tidy_image_files renames pictures stored before
names were random and removes files no picture names. Only the storage API is used, so a bucket
serves as well as a folder.
"""

import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image as PillowImage

from .focal import SHAPES, crop_prefix, is_crop
from .images import DECODERS, EXTENSIONS, STORED_FORMATS, stored_name

if TYPE_CHECKING:
    from .models import Image

# The widths of the renditions the public site makes of each picture.
WIDTHS = (320, 640, 960, 1280, 1600)


def rendition_digest(image_pk: int, file_name: str) -> str:
    # Named after the file as well as the row: a replaced picture gets new names, so no browser or
    # CDN keeps showing the old one. With the file's random name, the names cannot be guessed.
    return hashlib.sha256(f"{image_pk}:{file_name}".encode()).hexdigest()[:12]


def rendition_cache_key(
    image_pk: int, file_name: str, shape: str | None = None, focal: tuple[float, float] = (0.5, 0.5)
) -> str:
    """Where the cache keeps the renditions of a file: its own shape, or a crop around `focal`."""
    key = f"renditions:v1:{image_pk}:{rendition_digest(image_pk, file_name)}"
    return key if shape is None else f"{key}:{crop_prefix('', shape, focal).strip('-')}"


def delete_stored_files(image: "Image") -> None:
    """Remove a deleted picture's file and every rendition of it, once the deletion commits.

    Call it before the delete (which forgets the row's id), in the same transaction: if that
    rolls back, the files stay with the row. Outside a transaction they go at once. Only the
    storage API is used, so it works the same on the file system and on S3.
    """
    if image.pk is None:
        return
    image_pk, name, width = image.pk, image.file.name, image.width
    _after_commit(lambda: _remove(image_pk, name, width, every_rendition=True))


def delete_replaced_file(image: "Image") -> None:
    """When `image` is about to be saved with a new file: once it commits, the old file goes.

    Call it before the save, in its transaction: it reads the file the row names now. The
    renditions made from the old file go with it; those of the new one are made when needed.
    """
    if image.pk is None or not image.file or image.file._committed:
        return
    row = type(image).objects.filter(pk=image.pk).values_list("file", "width").first()
    if row is None or not row[0] or row[0] == image.file.name:
        return
    image_pk, (name, width) = image.pk, row
    _after_commit(lambda: _remove(image_pk, name, width, every_rendition=False))


def delete_moved_crops(image: "Image") -> None:
    """When `image` is about to be saved with its focal point moved: once it commits, the crops
    around the old point go (those around the new one are made when needed). Call it before the
    save, in its transaction, as delete_replaced_file."""
    if image.pk is None or not image.file:
        return
    row = type(image).objects.filter(pk=image.pk).values_list("focal_x", "focal_y").first()
    if row is None or tuple(row) == (image.focal_x, image.focal_y):
        return
    image_pk, name, keep = image.pk, image.file.name, image.focal_point

    def remove() -> None:
        delete_crops(image_pk, name, keep=keep)

    _after_commit(remove)


def delete_crops(image_pk: int, file_name: str, *, keep: tuple[float, float]) -> int:
    """Remove now the crops of `file_name` around any point but `keep`; how many went."""
    folder, digest = f"renditions/{image_pk}", rendition_digest(image_pk, file_name)
    kept = tuple(crop_prefix(digest, shape, keep) for shape in SHAPES)
    try:
        names = default_storage.listdir(folder)[1]
    except (FileNotFoundError, NotImplementedError):
        return 0
    removed = 0
    for name in names:
        if is_crop(name, digest) and not name.startswith(kept):
            default_storage.delete(f"{folder}/{name}")
            removed += 1
    return removed


def _after_commit(remove: Callable[[], None]) -> None:
    # robust: the row change has committed; a storage error is logged, not shown as a failure.
    transaction.on_commit(remove, robust=True)


def _remove(image_pk: int, name: str, width: int | None, *, every_rendition: bool) -> None:
    from .models import Image

    # A restored backup could leave two rows naming one file; the file goes with the last.
    if name and not Image.objects.filter(file=name).exists() and default_storage.exists(name):
        default_storage.delete(name)
    delete_renditions(image_pk, name, width=width, every_file=every_rendition)


# Tidying what earlier versions left ------------------------------------------------------------

RANDOM_NAME = re.compile(r"images/\d{4}/\d{2}/[A-Za-z0-9_-]{22}\.[a-z]{3,4}")


def is_random_name(name: str) -> bool:
    """Was the file stored under a name made by stored_name()?"""
    return bool(RANDOM_NAME.fullmatch(name))


def give_random_name(image: "Image") -> str:
    """Store `image`'s file again under a random name; its old name and renditions go.

    For pictures uploaded before stored names were random, whose file names may say who is in
    them. The new copy is written first and the old file removed once the row names the new one.
    """
    old = image.file.name
    with default_storage.open(old, "rb") as handle:
        # Named for what it is: files from before the clean copy may be called anything.
        with PillowImage.open(handle, formats=DECODERS) as picture:
            extension = EXTENSIONS[STORED_FORMATS[picture.format or ""]]
        handle.seek(0)
        new = default_storage.save(stored_name(image, f"image.{extension}"), handle)
    from . import changes  # the door, which imports this module

    with changes.door(), transaction.atomic():
        _after_commit(lambda: _remove(image.pk, old, image.width, every_rendition=False))
        image.file = new
        image.save(update_fields=["file"])
        changes.audit(
            "library.change",
            by=None,
            subject=f"Image “{image}”",
            changed=["file"],
            comment="Stored again under a random name.",
        )
        changes.announce(changes.stories_showing(image), {"library"}, site_wide=True)
    return new


def unused_files(*, settled_before: datetime) -> list[str]:
    """Pictures and renditions in storage that no image names, untouched since `settled_before`.

    Deletes once left files behind, and a save that fails after its file was stored still can.
    Files newer than `settled_before` are left alone: they may belong to a save in progress.
    """
    from .models import Image

    rows = list(Image.objects.values_list("pk", "file", "focal_x", "focal_y"))
    files_by_image = {pk: name for pk, name, _, _ in rows}
    points = {pk: (0.5 if x is None else x, 0.5 if y is None else y) for pk, _, x, y in rows}
    named = set(files_by_image.values())
    found = [name for name in _every_file("images") if name not in named]
    found += unused_renditions(files_by_image, points)
    return [name for name in found if _settled(name, settled_before)]


def _every_file(folder: str) -> Iterator[str]:
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    yield from (f"{folder}/{name}" for name in files)
    for name in folders:
        yield from _every_file(f"{folder}/{name}")


def _settled(name: str, settled_before: datetime) -> bool:
    try:
        return default_storage.get_modified_time(name) < settled_before
    except (NotImplementedError, OSError):
        return False  # cannot tell its age: keep it


def delete_renditions(
    image_pk: int, file_name: str, *, width: int | None = None, every_file: bool = False
) -> int:
    """Remove now, from storage, the renditions image `image_pk` has of `file_name`.

    With every_file (the image itself is gone), those of its earlier files too. They are listed
    through the storage API (a folder on disk, a prefix on S3); a storage that cannot list gets
    the names they would have had. Returns how many files went.
    """
    folder = f"renditions/{image_pk}"
    prefix = f"{folder}/" if every_file else f"{folder}/{rendition_digest(image_pk, file_name)}-"
    try:
        names = [f"{folder}/{name}" for name in default_storage.listdir(folder)[1]]
    except FileNotFoundError:
        names = []
    except NotImplementedError:
        names = [
            f"{folder}/{rendition_digest(image_pk, file_name)}-{target}.{ext}"
            for target in {*WIDTHS, *([width] if width else [])}
            for ext in ("webp", "jpg", "png")
        ]
    removed = 0
    for name in names:
        if name.startswith(prefix) and default_storage.exists(name):
            default_storage.delete(name)
            removed += 1
    cache.delete(rendition_cache_key(image_pk, file_name))
    return removed


def unused_renditions(
    files_by_image: dict[int, str], points: dict[int, tuple[float, float]] | None = None
) -> Iterator[str]:
    """Rendition files of no image, or made from a file their image no longer has, or crops
    around a point their image no longer has.

    `files_by_image` maps each image's id to the name of its file, `points` to its focal point
    (the middle where missing). Renditions of deleted or replaced pictures were left in storage
    before they went with their image.
    """
    try:
        folders = default_storage.listdir("renditions")[0]
    except FileNotFoundError:
        return
    for folder in folders:
        name = files_by_image.get(int(folder)) if folder.isdigit() else None
        digest = rendition_digest(int(folder), name) if name else None
        point = (points or {}).get(int(folder), (0.5, 0.5)) if name else (0.5, 0.5)
        crops = tuple(crop_prefix(digest or "", shape, point) for shape in SHAPES)
        for file in default_storage.listdir(f"renditions/{folder}")[1]:
            other_file = digest is None or not file.startswith(f"{digest}-")
            if other_file or (is_crop(file, digest or "") and not file.startswith(crops)):
                yield f"renditions/{folder}/{file}"
