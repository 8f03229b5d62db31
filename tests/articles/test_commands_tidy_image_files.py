"""tidy_image_files: old uploads get random names, files no image names leave storage."""

import os
import time
from io import BytesIO, StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image as PillowImage

from articles.image_files import is_random_name
from articles.models import Image
from public.renditions import renditions_for
from tests.factories import ImageFactory
from tests.helpers import stored_files

pytestmark = pytest.mark.django_db


def jpeg_bytes() -> bytes:
    buffer = BytesIO()
    PillowImage.new("RGB", (400, 300), "navy").save(buffer, "JPEG")
    return buffer.getvalue()


def stored(name: str, data: bytes = b"", *, hours_old: float = 2) -> str:
    """A file in media storage, last written `hours_old` hours ago."""
    saved = default_storage.save(name, ContentFile(data or jpeg_bytes()))
    then = time.time() - hours_old * 3600
    os.utime(default_storage.path(saved), (then, then))  # only the test knows it is on disk
    return saved


def run(*args: str) -> str:
    out = StringIO()
    call_command("tidy_image_files", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def media():
    """An image from before random names (with renditions), one from after, and leftovers."""
    legacy_name = stored("images/2024/05/face-of-source-abu-ahmad.jpg")
    legacy = Image.objects.create(file=legacy_name, alt_text="Old", width=400, height=300)
    legacy_renditions = {r.url.removeprefix("/media/") for r in renditions_for(legacy).webp}
    current = ImageFactory(file=ContentFile(jpeg_bytes(), name="new.jpg"))
    keep = {
        current.file.name,
        *(r.url.removeprefix("/media/") for r in renditions_for(current).webp),
    }
    leftovers = {
        stored("images/2023/01/deleted-long-ago.jpg"),
        stored("renditions/999/0123456789ab-320.webp", b"x"),  # of an image deleted long ago
        stored(f"renditions/{current.pk}/0123456789ab-320.webp", b"x"),  # of a replaced file
    }
    recent = stored("images/2026/01/upload-in-progress.jpg", hours_old=0)
    return legacy, legacy_renditions, keep, leftovers, recent


def test_without_apply_it_only_says_what_it_would_do(media):
    before = stored_files()
    out = run()
    assert "1 file(s) to rename, 3 unused file(s) to remove" in out
    assert "renditions/999/0123456789ab-320.webp" in out
    assert "face-of-source" not in out  # the names it hides are not printed either
    assert stored_files() == before


def test_apply_renames_old_uploads_and_removes_what_no_image_names(
    media, django_capture_on_commit_callbacks
):
    legacy, legacy_renditions, keep, leftovers, recent = media
    with django_capture_on_commit_callbacks(execute=True):
        out = run("--apply")
    assert "1 file(s) renamed, 3 unused file(s) removed." in out
    legacy.refresh_from_db()
    assert is_random_name(legacy.file.name)
    with default_storage.open(legacy.file.name) as handle:
        assert handle.read() == jpeg_bytes()
    left = stored_files()
    assert not [name for name in left if "source" in name]
    assert not (leftovers | legacy_renditions) & left
    assert keep | {recent, legacy.file.name} <= left
    assert "0 file(s) to rename, 0 unused file(s) to remove" in run()
