"""Images (articles/images.py): every picture is stored right or refused with a message.

Pictures are made here with Pillow in every mode it has and every format it writes, and posted
through the admin's image form as an editor would. A picture that is stored must show its colour
in its renditions (a 16-bit grey once came out as a white rectangle); one that is refused must say
why on the form. Neither may answer 500 or leave a file behind. Animations:
test_image_animations.py; names and removal: test_image_files.py.
"""

import io

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PillowImage
from PIL import ImageCms, features

from articles import images
from articles.models import Image
from public.renditions import renditions_for
from tests.articles.pictures import (
    CLEAR,
    OPAQUE,
    SIZE,
    close_to,
    colour,
    encode,
    post_image,
    sample,
)
from tests.factories import ImageFactory
from tests.helpers import stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rendition URLs are cached by image and file name


# Every mode in every format ------------------------------------------------------------------


KINDS = ["1", "L", "LA", "P", "P+transparency", "RGB", "RGBA", "CMYK", "I;16", "I", "F"]
KINDS += ["LAB", "YCbCr"]
STORED = ["PNG", "JPEG", "GIF", "WEBP", "MPO"]
REFUSED = ["TIFF", "BMP", "ICO"] + (["AVIF"] if features.check("avif") else [])


def upload_bytes(kind: str, fmt: str) -> bytes | None:
    """The sample of `kind` saved as `fmt` by Pillow, or None if Pillow cannot save it so."""
    picture = sample(kind)
    if kind == "I" and fmt in ("PNG", "ICO"):
        return None  # Pillow writes it as I;16 (and is dropping it): that case is I;16's
    try:
        if fmt == "MPO":  # a phone's picture: the photo, then a second one (here blue)
            second = PillowImage.new(picture.mode, SIZE, sample("CMYK").getpixel((0, 0)))
            return encode(picture, "MPO", save_all=True, append_images=[second.convert("RGB")])
        return encode(picture, fmt)
    except (OSError, ValueError, KeyError, TypeError):
        return None


CASES = [
    (kind, fmt) for kind in KINDS for fmt in STORED + REFUSED if upload_bytes(kind, fmt) is not None
]


def written(kind: str, fmt: str) -> tuple[bool, bool]:
    """Does the file Pillow wrote hold the sample's colour, and is it clear top-left? Pillow
    clips 16-bit grey to white when it writes GIF or WebP, and drops alpha from some GIFs: such
    a file is stored as what it is."""
    with PillowImage.open(io.BytesIO(upload_bytes(kind, fmt))) as picture:
        return close_to(colour(picture), colour(sample(kind))), colour(picture, CLEAR)[3] == 0


def test_the_matrix_covers_the_pictures_that_went_wrong():
    for case in [
        ("I;16", "PNG"),
        ("CMYK", "JPEG"),
        ("RGB", "MPO"),
        ("CMYK", "MPO"),
        ("P+transparency", "PNG"),
        ("P+transparency", "GIF"),
        ("YCbCr", "JPEG"),
        ("LAB", "TIFF"),
        ("F", "TIFF"),
        ("RGBA", "BMP"),
    ]:
        assert case in CASES
    assert written("I;16", "PNG") == (True, False)
    assert written("CMYK", "JPEG") == (True, False)
    assert written("RGBA", "PNG") == (True, True)
    assert written("P+transparency", "GIF")[1]
    assert len(CASES) > 50


@pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO file")
@pytest.mark.parametrize(("kind", "fmt"), CASES, ids=[f"{k}-{f}" for k, f in CASES])
def test_every_picture_is_stored_right_or_refused_with_a_message(editor_client, kind, fmt):
    response = post_image(editor_client, upload_bytes(kind, fmt), name=f"picture.{fmt.lower()}")

    if fmt in REFUSED:
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["file"]
        assert not Image.objects.exists()
        assert stored_files() == set()
        return
    assert response.status_code == 302, response.content[:2000]
    image = Image.objects.get()
    stored_format = "JPEG" if fmt == "MPO" else fmt
    with default_storage.open(image.file.name) as handle, PillowImage.open(handle) as stored:
        assert stored.format == stored_format
        assert image.file.name.endswith("." + images.EXTENSIONS[stored_format])
        stored_colour = colour(stored)
    made = renditions_for(image)
    assert made is not None
    renditions = {}
    for rendition in (made.webp[0], made.fallback[0]):
        name = rendition.url.removeprefix("/media/")
        with default_storage.open(name) as handle, PillowImage.open(handle) as picture:
            assert picture.mode in ("RGB", "RGBA")  # what every browser shows
            assert picture.size == SIZE
            renditions[picture.format] = picture.convert("RGBA")
    is_faithful, is_clear_top_left = written(kind, fmt)
    if not is_faithful:
        return  # Pillow wrote another picture than the sample; it is stored as it is
    expected = colour(sample(kind))
    assert close_to(stored_colour, expected)
    for picture in renditions.values():
        assert close_to(picture.getpixel(OPAQUE), expected), (picture.getpixel(OPAQUE), expected)
    if is_clear_top_left:
        assert made.fallback_type == "image/png"
        assert all(picture.getpixel(CLEAR)[3] == 0 for picture in renditions.values())


def test_a_16_bit_grey_png_is_stored_as_its_grey_not_white():
    image = ImageFactory(file=ContentFile(encode(sample("I;16"), "PNG"), name="scan.png"))
    with default_storage.open(image.file.name) as handle, PillowImage.open(handle) as stored:
        assert stored.mode == "L"
        assert stored.getpixel(OPAQUE) == 128
    rendition = renditions_for(image).fallback[0].url.removeprefix("/media/")
    with default_storage.open(rendition) as handle, PillowImage.open(handle) as picture:
        assert close_to(picture.convert("RGB").getpixel(OPAQUE), (128, 128, 128))


def test_a_16_bit_grey_key_colour_becomes_transparency():
    picture = sample("I;16")
    picture.paste(PillowImage.new("I;16", (8, 8), 1000), (0, 0))  # a grey of 4 in 8 bits
    image = ImageFactory(file=ContentFile(encode(picture, "PNG", transparency=1000), name="k.png"))
    with default_storage.open(image.file.name) as handle, PillowImage.open(handle) as stored:
        assert stored.mode == "LA"
        assert stored.getpixel(CLEAR)[1] == 0
        assert stored.getpixel(OPAQUE) == (128, 255)


def test_a_cmyk_jpeg_keeps_cmyk_and_its_profile_but_renditions_are_rgb():
    cmyk = encode(sample("CMYK"), "JPEG", icc_profile=b"not a real profile")
    image = ImageFactory(file=ContentFile(cmyk, name="print.jpg"))
    with default_storage.open(image.file.name) as handle, PillowImage.open(handle) as stored:
        assert stored.mode == "CMYK"
        assert stored.info["icc_profile"] == b"not a real profile"
    for rendition in (*renditions_for(image).webp, *renditions_for(image).fallback):
        with (
            default_storage.open(rendition.url.removeprefix("/media/")) as handle,
            PillowImage.open(handle) as picture,
        ):
            # The profile cannot be read, so the numbers are taken as they are: still red.
            assert picture.mode == "RGB"
            assert close_to(picture.getpixel(OPAQUE), (255, 0, 0))


def test_renditions_of_a_picture_with_a_colour_profile_are_converted_to_srgb(monkeypatch):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(sample("RGB"), "JPEG", icc_profile=srgb)
    image = ImageFactory(file=ContentFile(data, name="phone.jpg"))
    applied = []
    real = ImageCms.profileToProfile
    monkeypatch.setattr(
        ImageCms, "profileToProfile", lambda *a, **k: applied.append(a) or real(*a, **k)
    )
    rendition = renditions_for(image).fallback[0].url.removeprefix("/media/")
    assert applied
    with default_storage.open(rendition) as handle, PillowImage.open(handle) as picture:
        assert close_to(picture.getpixel(OPAQUE), (200, 40, 30))


def test_a_phones_multi_picture_jpeg_is_stored_as_its_primary_picture(editor_client):
    assert post_image(editor_client, upload_bytes("RGB", "MPO"), "IMG_0001.JPG").status_code == 302
    image = Image.objects.get()
    with default_storage.open(image.file.name, "rb") as handle:
        data = handle.read()
    with PillowImage.open(io.BytesIO(data)) as stored:
        assert stored.format == "JPEG"
        assert getattr(stored, "n_frames", 1) == 1
        assert close_to(stored.getpixel(OPAQUE), (200, 40, 30))  # not the blue second picture
    assert b"MPF\x00" not in data  # no multi-picture index left
