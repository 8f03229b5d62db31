"""Uploads: only whole, plain pictures get in, and only their pixels are kept.

A source's safety can hang on a photo's metadata (the GPS position in its EXIF), so every
stored original and rendition is checked byte by byte for what went in.
"""

import functools
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import path
from django.views.static import serve
from PIL import Image as PillowImage
from PIL import PngImagePlugin

from articles.images import validate_image_file
from articles.models import Image
from public.renditions import renditions_for
from tests.factories import ImageFactory
from tests.helpers import stored_files

SECRETS = (b"SecretCam", b"Abu Ahmad", b"SECRETXMP", b"Daraa safehouse", b"33.5")
IMAGE_ADD = "/admin/articles/image/add/"


def gps_exif() -> PillowImage.Exif:
    exif = PillowImage.Exif()
    exif[0x010F] = "SecretCam"  # camera make
    exif[0x0112] = 6  # orientation: turn 90° clockwise to view
    exif[0x8825] = {1: "N", 2: (33.5, 30.0, 0.0), 3: "E", 4: (36.0, 18.0, 0.0)}  # GPS
    return exif


def jpeg_with_metadata(size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", size, "teal").save(
        buffer,
        "JPEG",
        exif=gps_exif(),
        comment=b"source: Abu Ahmad",
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>SECRETXMP</x:xmpmeta>",
    )
    return buffer.getvalue()


def png_with_metadata() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "Daraa safehouse")
    info.add_itxt("Comment", "source: Abu Ahmad")
    buffer = io.BytesIO()
    PillowImage.new("RGBA", (12, 10), (200, 0, 0, 128)).save(
        buffer, "PNG", pnginfo=info, exif=gps_exif()
    )
    return buffer.getvalue()


def webp_with_metadata() -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (12, 10), "red").save(buffer, "WEBP", exif=gps_exif(), xmp=b"SECRETXMP")
    return buffer.getvalue()


def animated_gif_with_comment() -> bytes:
    frames = [PillowImage.new("RGB", (10, 10), c).convert("P") for c in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=[100, 200, 300],
        loop=0,
        comment=b"source: Abu Ahmad",
    )
    return buffer.getvalue()


def plain_png(size=(10, 10)) -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", size, "navy").save(buffer, "PNG")
    return buffer.getvalue()


def stored_bytes(image: Image) -> bytes:
    with default_storage.open(image.file.name, "rb") as handle:
        return handle.read()


def assert_no_secrets(data: bytes) -> None:
    found = [secret for secret in SECRETS if secret in data]
    assert found == []
    with PillowImage.open(io.BytesIO(data)) as picture:
        assert dict(picture.getexif()) == {}
        assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment"} & set(picture.info)
        assert not getattr(picture, "text", {})


# Metadata ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "name", "extension"),
    [
        (jpeg_with_metadata(), "from-the-field.jpg", "jpg"),
        (png_with_metadata(), "map.png", "png"),
        (webp_with_metadata(), "street.webp", "webp"),
        (animated_gif_with_comment(), "loop.gif", "gif"),
    ],
    ids=["jpeg", "png", "webp", "gif"],
)
def test_the_stored_original_keeps_no_metadata(data, name, extension):
    assert any(secret in data for secret in SECRETS)  # the test files do carry it
    image = ImageFactory(file=ContentFile(data, name=name))
    stored = stored_bytes(image)
    assert_no_secrets(stored)
    assert image.file.name.endswith("." + extension)


@pytest.mark.django_db
def test_the_camera_orientation_is_applied_before_it_is_dropped():
    image = ImageFactory(file=ContentFile(jpeg_with_metadata(size=(40, 20)), name="p.jpg"))
    assert (image.width, image.height) == (20, 40)
    with PillowImage.open(io.BytesIO(stored_bytes(image))) as picture:
        assert picture.size == (20, 40)


@pytest.mark.django_db
def test_an_animation_keeps_its_frames_and_timing():
    image = ImageFactory(file=ContentFile(animated_gif_with_comment(), name="loop.gif"))
    with PillowImage.open(io.BytesIO(stored_bytes(image))) as picture:
        assert picture.n_frames == 3
        durations = []
        for index in range(picture.n_frames):
            picture.seek(index)
            durations.append(picture.info.get("duration"))
        assert durations == [100, 200, 300]


@pytest.mark.django_db
def test_transparency_survives_the_clean_copy():
    image = ImageFactory(file=ContentFile(png_with_metadata(), name="t.png"))
    with PillowImage.open(io.BytesIO(stored_bytes(image))) as picture:
        assert picture.mode == "RGBA"
        assert picture.getpixel((0, 0))[3] == 128


@pytest.mark.django_db
def test_renditions_carry_no_metadata_either():
    image = ImageFactory(file=ContentFile(jpeg_with_metadata(size=(700, 400)), name="w.jpg"))
    made = renditions_for(image)
    assert made is not None
    names = [r.url.removeprefix("/media/") for r in (*made.webp, *made.fallback)]
    assert names
    for name in names:
        with default_storage.open(name, "rb") as handle:
            assert_no_secrets(handle.read())


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["portrait.html", "x.svg", "shell.php", "noext", "a.png.js"])
def test_a_stored_file_is_named_for_its_real_format_whatever_it_was_called(name):
    image = ImageFactory(file=ContentFile(plain_png(), name=name))
    assert image.file.name.endswith(".png")
    assert ".html" not in image.file.name
    assert ".php" not in image.file.name


@pytest.mark.django_db
def test_a_stored_file_is_not_rewritten_on_later_saves():
    image = ImageFactory(file=ContentFile(plain_png(), name="once.png"))
    name = image.file.name
    image.alt_text = "A new description"
    image.save()
    image.refresh_from_db()
    assert image.file.name == name


# Hostile files through the admin -------------------------------------------------------------


def truncated_jpeg() -> bytes:
    buffer = io.BytesIO()
    PillowImage.effect_noise((200, 200), 80).convert("RGB").save(buffer, "JPEG")
    data = buffer.getvalue()
    return data[: len(data) // 2]


def jpeg_with_html_appended() -> bytes:
    return plain_jpeg() + b"<html><script>alert(document.cookie)</script></html>"


def jpeg_with_script_in_comment() -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (10, 10), "red").save(
        buffer, "JPEG", comment=b"*/=1;<script src=//evil.example/x.js></script>"
    )
    return buffer.getvalue()


def gif_with_zip_appended() -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (10, 10), "red").save(buffer, "GIF")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("Exploit.class", b"\xca\xfe\xba\xbe")
    return buffer.getvalue() + archive.getvalue()


def png_with_php_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<?php system($_GET['c']); ?>")
    buffer = io.BytesIO()
    PillowImage.new("RGB", (10, 10), "red").save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def plain_jpeg() -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (10, 10), "red").save(buffer, "JPEG")
    return buffer.getvalue()


@functools.cache
def bomb_png() -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("1", (8_000, 8_000)).save(buffer, "PNG")  # 64 Mpx in a few kilobytes
    return buffer.getvalue()


def webp_with_trailer() -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (10, 10), "red").save(buffer, "WEBP")
    return buffer.getvalue() + b"PK\x03\x04 hidden archive"


HOSTILE_FILES = {
    "truncated-jpeg": (truncated_jpeg, "invalid_image"),
    "jpeg+html": (jpeg_with_html_appended, "polyglot"),
    "script-in-jpeg-comment": (jpeg_with_script_in_comment, "polyglot"),
    "gifar": (gif_with_zip_appended, "polyglot"),
    "php-in-png-text": (png_with_php_text, "polyglot"),
    "webp+trailer": (webp_with_trailer, "polyglot"),
    "decompression-bomb": (bomb_png, "too_many_pixels"),
    "svg": (
        lambda: b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        "invalid_image",
    ),
    "html": (lambda: b"<!doctype html><script>alert(1)</script>", "invalid_image"),
    "empty": (lambda: b"", "invalid_image"),
}


@pytest.mark.parametrize("label", HOSTILE_FILES)
def test_the_validator_names_what_is_wrong(label):
    make, code = HOSTILE_FILES[label]
    data = make()
    with pytest.raises(ValidationError) as caught:
        validate_image_file(SimpleUploadedFile("innocent.jpg", data))
    assert caught.value.code == code


@pytest.mark.django_db
@pytest.mark.parametrize("label", HOSTILE_FILES)
def test_hostile_files_get_a_form_error_in_the_admin_never_a_500(editor_client, label):
    make, _ = HOSTILE_FILES[label]
    editor_client.raise_request_exception = False
    upload = SimpleUploadedFile("innocent.jpg", make(), content_type="image/jpeg")
    response = editor_client.post(
        IMAGE_ADD, {"file": upload, "alt_text": "A street", "caption": "", "credit": ""}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"]
    assert not Image.objects.exists()
    assert stored_files() == set()  # a refused file never reaches storage


@pytest.mark.django_db
def test_a_clean_picture_uploaded_in_the_admin_is_stored_clean(editor_client):
    upload = SimpleUploadedFile("field.jpg", jpeg_with_metadata(), content_type="image/jpeg")
    response = editor_client.post(
        IMAGE_ADD, {"file": upload, "alt_text": "A street in Daraa", "caption": "", "credit": ""}
    )
    assert response.status_code == 302
    image = Image.objects.get()
    assert_no_secrets(stored_bytes(image))


@pytest.mark.parametrize(
    "fmt",
    ["JPEG", "PNG", "WEBP", "GIF"],
)
def test_ordinary_pictures_of_every_format_pass(fmt):
    buffer = io.BytesIO()
    PillowImage.effect_noise((300, 200), 60).convert("RGB").save(buffer, fmt)
    validate_image_file(SimpleUploadedFile("ok", buffer.getvalue()))


# Serving -------------------------------------------------------------------------------------

urlpatterns = [path("media/<path:path>", serve, {"document_root": None})]


@pytest.mark.django_db
def test_media_served_in_development_is_never_executable(settings, tmp_path):
    """The DEBUG media view (django.views.static.serve, as newsroom/urls.py mounts it)."""
    settings.MEDIA_ROOT = tmp_path
    urlpatterns[0].default_args["document_root"] = str(tmp_path)
    image = ImageFactory(file=ContentFile(plain_png(), name="page.html"))
    (tmp_path / "planted.html").write_bytes(b"<script>alert(document.cookie)</script>")
    client = Client()
    with override_settings(ROOT_URLCONF=__name__):
        picture = client.get(f"/media/{image.file.name}")
        planted = client.get("/media/planted.html")
    assert picture["Content-Type"] == "image/png"
    for response in (picture, planted):
        assert response["X-Content-Type-Options"] == "nosniff"
        # Even a file planted on the disk by other means cannot run script: no inline script
        # under the policy, and no framing.
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert "unsafe-inline" not in response["Content-Security-Policy"]
