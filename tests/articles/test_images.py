"""Images (articles/images.py): every picture is stored right or refused with a message, under a
random name, and its files leave storage with it.

Pictures are made here with Pillow in every mode it has and every format it writes, and posted
through the admin's image form as an editor would. A picture that is stored must show its colour
in its renditions (a 16-bit grey once came out as a white rectangle); one that is refused must say
why on the form. Neither may answer 500 or leave a file behind.
"""

import io
import re
import struct

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from PIL import Image as PillowImage
from PIL import ImageCms, ImageSequence, features
from PIL.PngImagePlugin import Blend

from articles import images
from articles.image_files import delete_stored_files
from articles.images import clean_copy, stored_name
from articles.models import Image
from public.renditions import renditions_for
from tests.factories import ArticleFactory, ImageFactory
from tests.helpers import stored_files

pytestmark = pytest.mark.django_db

IMAGE_ADD = reverse("admin:articles_image_add")
SIZE = (64, 48)
OPAQUE, CLEAR = (40, 30), (2, 2)  # pixels to look at; pictures with alpha are clear top-left
TOLERANCE = 12  # JPEG and WebP are lossy, even on one flat colour


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rendition URLs are cached by image and file name


def post_image(client, data: bytes, name: str = "picture", url: str = IMAGE_ADD):
    client.raise_request_exception = False
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(url, {"file": upload, "alt_text": "A street", "caption": "", "credit": ""})


def encode(picture: PillowImage.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **options)
    return buffer.getvalue()


# Every mode in every format ------------------------------------------------------------------


def sample(kind: str) -> PillowImage.Image:
    """A picture of one known colour in the mode `kind`; those with alpha are clear top-left."""
    if kind == "P":
        return PillowImage.new("RGB", SIZE, (0, 128, 128)).quantize(4)
    if kind == "P+transparency":
        picture = PillowImage.new("P", SIZE, 0)
        picture.putpalette([0, 128, 128, 0, 0, 0])
        picture.paste(1, (0, 0, 8, 8))
        picture.info["transparency"] = 1
        return picture
    colours = {
        "1": 0,
        "L": 90,
        "LA": (90, 255),
        "RGB": (200, 40, 30),
        "RGBA": (200, 40, 30, 255),
        "CMYK": (0, 255, 255, 0),  # red
        "I;16": 0x8080,  # 16-bit mid grey: 128 in 8 bits, white if clipped
        "I": 0x8080,
        "F": 0x8080,
        "LAB": (60, 140, 100),
        "YCbCr": (80, 90, 240),
    }
    picture = PillowImage.new(kind, SIZE, colours[kind])
    if "A" in kind:
        picture.paste((0,) * len(kind), (0, 0, 8, 8))
    return picture


def colour(picture: PillowImage.Image, point=OPAQUE) -> tuple[int, ...]:
    """What a browser shows at `point`, as RGBA: 16-bit grey scaled to 8 bits."""
    if picture.mode in ("I;16", "I", "F"):
        grey = round(picture.getpixel(point) / 257)
        return (grey, grey, grey, 255)
    return picture.convert("RGBA").getpixel(point)


def close_to(found, expected) -> bool:
    return all(abs(a - b) <= TOLERANCE for a, b in zip(found, expected, strict=True))


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
    assert written("I;16", "PNG") == (True, False) and written("CMYK", "JPEG") == (True, False)
    assert written("RGBA", "PNG") == (True, True) and written("P+transparency", "GIF")[1]
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
        assert stored.getpixel(CLEAR)[1] == 0 and stored.getpixel(OPAQUE) == (128, 255)


def test_a_cmyk_jpeg_keeps_cmyk_and_its_profile_but_renditions_are_rgb():
    cmyk = encode(sample("CMYK"), "JPEG", icc_profile=b"not a real profile")
    image = ImageFactory(file=ContentFile(cmyk, name="print.jpg"))
    with default_storage.open(image.file.name) as handle, PillowImage.open(handle) as stored:
        assert stored.mode == "CMYK" and stored.info["icc_profile"] == b"not a real profile"
    for rendition in (*renditions_for(image).webp, *renditions_for(image).fallback):
        with default_storage.open(rendition.url.removeprefix("/media/")) as handle:
            with PillowImage.open(handle) as picture:
                # The profile cannot be read, so the numbers are taken as they are: still red.
                assert picture.mode == "RGB" and close_to(picture.getpixel(OPAQUE), (255, 0, 0))


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
        assert stored.format == "JPEG" and getattr(stored, "n_frames", 1) == 1
        assert close_to(stored.getpixel(OPAQUE), (200, 40, 30))  # not the blue second picture
    assert b"MPF\x00" not in data  # no multi-picture index left


# Animations ----------------------------------------------------------------------------------


def frames_of(colours=("red", "green", "blue")) -> list[PillowImage.Image]:
    return [PillowImage.new("RGB", (20, 10), name) for name in colours]


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_an_animation_is_stored_with_its_frames_colours_and_timing(editor_client, fmt):
    frames = frames_of()
    data = encode(
        frames[0], fmt, save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=0
    )
    assert post_image(editor_client, data, f"loop.{fmt.lower()}").status_code == 302
    image = Image.objects.get()
    with default_storage.open(image.file.name) as handle, PillowImage.open(handle) as stored:
        assert stored.format == fmt and stored.n_frames == 3
        shown = [
            (frame.convert("RGB").getpixel((5, 5)), frame.info.get("duration"))
            for frame in ImageSequence.Iterator(stored)
        ]
    assert [round(duration) for _, duration in shown] == [100, 200, 300]
    for (found, _), expected in zip(shown, [(255, 0, 0), (0, 128, 0), (0, 0, 255)], strict=True):
        assert close_to(found, expected)


def test_a_transparent_animated_gif_keeps_its_clear_pixels_in_every_frame(editor_client):
    frames = []
    for name in ("red", "green", "blue"):
        frame = PillowImage.new("RGBA", SIZE, name)
        frame.paste((0, 0, 0, 0), (0, 0, 8, 8))
        frames.append(frame)
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert post_image(editor_client, data, "clear.gif").status_code == 302
    with default_storage.open(Image.objects.get().file.name) as handle:
        with PillowImage.open(handle) as stored:
            shown = [frame.convert("RGBA") for frame in ImageSequence.Iterator(stored)]
    assert len(shown) == 3
    for frame, expected in zip(shown, [(255, 0, 0), (0, 128, 0), (0, 0, 255)], strict=True):
        assert frame.getpixel(CLEAR)[3] == 0
        assert close_to(frame.getpixel(OPAQUE), (*expected, 255))


def gif(screen: tuple[int, int], frames: list[tuple[int, int, int]]) -> bytes:
    """A GIF written byte by byte: frames of (width, height, hundredths of a second), each of
    colour 0. Pillow's encoder would refuse to write the hostile ones."""
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", *screen, 0x80, 0, 0) + bytes(6))
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    for width, height, delay in frames:
        out += b"\x21\xf9\x04\x00" + struct.pack("<H", delay) + b"\x00\x00"
        out += b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
        out += _lzw_of_colour_zero(width * height)
    return bytes(out + b";")


def _lzw_of_colour_zero(pixels: int) -> bytes:
    # A clear code before each pixel keeps every code three bits wide: easy to write, if long.
    codes, bits, count, packed = [*([4, 0] * pixels), 5], 0, 0, bytearray()
    for code in codes:
        bits, count = bits | code << count, count + 3
        while count >= 8:
            packed.append(bits & 0xFF)
            bits, count = bits >> 8, count - 8
    packed += bytes([bits]) if count else b""
    blocks = b"".join(
        bytes([len(packed[i : i + 255])]) + packed[i : i + 255] for i in range(0, len(packed), 255)
    )
    return b"\x02" + blocks + b"\x00"


def test_a_legal_gif_of_two_400_second_frames_is_stored_not_a_500(editor_client):
    data = gif((1, 1), [(1, 1, 40_000), (1, 1, 40_000)])
    assert len(data) == 85
    with PillowImage.open(io.BytesIO(data)) as picture:
        assert picture.n_frames == 2
    response = post_image(editor_client, data, "slow.gif")
    assert response.status_code == 302
    with default_storage.open(Image.objects.get().file.name) as handle:
        with PillowImage.open(handle) as stored:
            # One picture shown for as long as a GIF can say: 655.35 seconds, not 800.
            assert getattr(stored, "n_frames", 1) == 1
            assert stored.info["duration"] == 655_350


def test_an_apng_whose_repeated_frames_outlast_the_format_is_stored_not_a_500(editor_client):
    red, blue = PillowImage.new("RGB", (8, 8), "red"), PillowImage.new("RGB", (8, 8), "blue")
    # Two red frames of 40,000 seconds, told apart only by how they blend (so they look the
    # same), then a blue one. Joined, the red would last longer than an APNG can say.
    data = encode(
        red,
        "PNG",
        save_all=True,
        append_images=[red.copy(), blue],
        duration=[40_000_000, 40_000_000, 100],
        blend=[Blend.OP_SOURCE, Blend.OP_OVER, Blend.OP_SOURCE],
    )
    assert post_image(editor_client, data, "slow.png").status_code == 302
    with default_storage.open(Image.objects.get().file.name) as handle:
        with PillowImage.open(handle) as stored:
            durations = [frame.info["duration"] for frame in ImageSequence.Iterator(stored)]
    assert durations == [65_535_000, 100]


@pytest.fixture(scope="module")
def gif_of_60000_frames() -> bytes:
    return gif((16, 16), [(1, 1, 2)] * 60_000)


def test_an_animation_of_60000_frames_is_refused_with_a_message(editor_client, gif_of_60000_frames):
    assert 1_000_000 < len(gif_of_60000_frames) < 1_500_000
    response = post_image(editor_client, gif_of_60000_frames, "many.gif")
    assert response.status_code == 200
    error = response.context["adminform"].form.errors.as_data()["file"][0]
    assert error.code == "too_many_frames"
    assert "300 frames" in error.message % error.params
    assert stored_files() == set()


def test_the_frame_limit_is_a_setting(editor_client, settings):
    settings.IMAGE_MAX_FRAMES = 5
    five, six = gif((4, 4), [(4, 4, 10)] * 5), gif((4, 4), [(4, 4, 10)] * 6)
    assert post_image(editor_client, six, "six.gif").status_code == 200
    assert post_image(editor_client, five, "five.gif").status_code == 302


def _image_block(data: bytes) -> bytes:
    """The first image (descriptor and pixel data) of a GIF written by Pillow."""
    flags, at = data[10], 13
    at += 3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0
    while data[at] == 0x21:  # extensions: skip their sub-blocks
        at += 2
        while data[at]:
            at += data[at] + 1
        at += 1
    start, local = at, data[at + 9]
    at += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0) + 1
    while data[at]:
        at += data[at] + 1
    return data[start : at + 1]


def test_a_gif_frame_larger_than_its_canvas_counts_against_the_pixel_limit(editor_client, settings):
    settings.IMAGE_MAX_PIXELS = 1_000_000
    # A 10 x 10 GIF whose second frame is 1,200 x 1,200: Pillow grows the canvas to fit it, so
    # the header's size says nothing about what decoding the frames will cost.
    large = _image_block(encode(PillowImage.new("P", (1200, 1200)), "GIF"))
    data = gif((10, 10), [(10, 10, 10)])[:-1] + b"\x21\xf9\x04\x00\x0a\x00\x00\x00" + large + b";"
    with PillowImage.open(io.BytesIO(data)) as picture:
        assert picture.size == (10, 10) and picture.n_frames == 2
    response = post_image(editor_client, data, "growing.gif")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.as_data()["file"][0].code == "too_many_pixels"


# Names ---------------------------------------------------------------------------------------

RANDOM_NAME = re.compile(r"images/\d{4}/\d{2}/[A-Za-z0-9_-]{22}\.(jpg|png|webp|gif)")


def test_a_stored_file_has_a_random_name_with_no_trace_of_the_uploaders(editor_client, client):
    data = encode(sample("RGB"), "JPEG")
    assert post_image(editor_client, data, "face-of-source-abu-ahmad.jpg").status_code == 302
    image = Image.objects.get()
    assert RANDOM_NAME.fullmatch(image.file.name)
    article = ArticleFactory(published=True, lead_image=image)
    admin_pages = [
        editor_client.get(reverse("admin:articles_image_changelist")),
        editor_client.get(reverse("admin:articles_image_change", args=[image.pk])),
    ]
    public_page = client.get(article.get_absolute_url())
    for page in [*admin_pages, public_page]:
        assert page.status_code == 200
        assert b"face-of-source" not in page.content and b"abu-ahmad" not in page.content
    assert all(image.file.name in page.content.decode() for page in admin_pages)
    assert b"/renditions/" in public_page.content
    assert stored_files() and not [name for name in stored_files() if "source" in name]


def test_a_picture_on_a_form_refused_for_another_reason_is_not_stored(editor_client):
    upload = SimpleUploadedFile("street.png", encode(sample("RGB"), "PNG"))
    response = editor_client.post(IMAGE_ADD, {"file": upload, "alt_text": "", "caption": ""})
    assert response.status_code == 200 and response.context["adminform"].form.errors["alt_text"]
    assert stored_files() == set()


def test_the_same_picture_uploaded_twice_gets_two_names():
    data = encode(sample("RGB"), "PNG")
    first, second = (ImageFactory(file=ContentFile(data, name="same.png")) for _ in range(2))
    assert first.file.name != second.file.name
    assert stored_name(None, "image.png") != stored_name(None, "image.png")


def test_a_long_file_name_is_no_reason_to_refuse_a_picture(editor_client):
    response = post_image(editor_client, encode(sample("RGB"), "PNG"), "x" * 200 + ".png")
    assert response.status_code == 302


def test_only_a_known_extension_reaches_a_stored_name():
    assert stored_name(None, "image.png").endswith(".png")
    assert stored_name(None, "page.html").endswith(".bin")


def test_code_that_stores_a_file_directly_gets_the_clean_copy_too():
    image = ImageFactory(file=ContentFile(encode(sample("RGB"), "PNG"), name="source-name.png"))
    assert RANDOM_NAME.fullmatch(image.file.name)


def test_a_clean_copy_is_not_checked_twice(monkeypatch):
    copy = clean_copy(SimpleUploadedFile("a.png", encode(sample("RGB"), "PNG")))
    monkeypatch.setattr(images, "_check_header", lambda data: pytest.fail("checked again"))
    images.validate_image_file(copy)


# Removal -------------------------------------------------------------------------------------


def picture_with_renditions(**kwargs) -> Image:
    image = ImageFactory(file=ContentFile(encode(sample("RGB"), "JPEG"), name="x.jpg"), **kwargs)
    made = renditions_for(image)
    assert made and default_storage.exists(made.webp[0].url.removeprefix("/media/"))
    return image


def files_of(image_pk: int, name: str) -> set[str]:
    return {n for n in stored_files() if n == name or n.startswith(f"renditions/{image_pk}/")}


def test_deleting_an_image_in_the_admin_removes_its_file_and_renditions_from_disk(
    editor_client, settings, django_capture_on_commit_callbacks
):
    image = picture_with_renditions()
    other = picture_with_renditions()
    pk, name = image.pk, image.file.name
    assert len(files_of(pk, name)) == 3  # the file, a WebP and a JPEG of 64 pixels
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = editor_client.post(
            reverse("admin:articles_image_delete", args=[pk]), {"post": "yes"}
        )
        # Nothing goes until the deletion commits.
        assert files_of(pk, name) and response.status_code == 302
    assert callbacks
    assert files_of(pk, name) == set()
    on_disk = {
        p.relative_to(settings.MEDIA_ROOT).as_posix() for p in settings.MEDIA_ROOT.rglob("*")
    }
    assert name not in on_disk and not any(p.startswith(f"renditions/{pk}/") for p in on_disk)
    assert len(files_of(other.pk, other.file.name)) == 3  # the other picture is untouched


def test_deleting_selected_images_removes_the_files_of_each(
    editor_client, django_capture_on_commit_callbacks
):
    pictures = [picture_with_renditions() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:articles_image_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [p.pk for p in pictures[:2]],
                "post": "yes",
            },
        )
    assert response.status_code == 302
    assert list(Image.objects.all()) == [pictures[2]]
    for picture in pictures[:2]:
        assert files_of(picture.pk, picture.file.name) == set()
    assert len(files_of(pictures[2].pk, pictures[2].file.name)) == 3


def test_a_delete_that_rolls_back_keeps_its_files(django_capture_on_commit_callbacks):
    image = picture_with_renditions()
    pk, name = image.pk, image.file.name
    before = files_of(pk, name)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            delete_stored_files(image)
            image.delete()
            raise RuntimeError("the delete fails after the files were asked to go")
    assert callbacks == []
    assert Image.objects.filter(pk=pk).exists()
    assert files_of(pk, name) == before


class UnlistableStorage(InMemoryStorage):
    """A storage that cannot list a folder: renditions are found by the names they would have."""

    def listdir(self, path):
        raise NotImplementedError


@pytest.mark.parametrize(
    "backend", ["django.core.files.storage.InMemoryStorage", f"{__name__}.UnlistableStorage"]
)
def test_files_go_with_the_row_on_a_storage_that_is_not_a_file_system(
    settings, backend, django_capture_on_commit_callbacks
):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": backend}}
    image = picture_with_renditions()
    assert isinstance(default_storage._wrapped, InMemoryStorage)
    made = renditions_for(image)
    names = {image.file.name, *(r.url.removeprefix("/media/") for r in made.webp + made.fallback)}
    assert len(names) == 3 and all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        delete_stored_files(image)
        image.delete()
    assert not any(default_storage.exists(name) for name in names)
    assert not settings.MEDIA_ROOT.exists()  # nothing went through the file system


def test_replacing_an_images_file_removes_the_old_file_and_its_renditions(
    editor_client, django_capture_on_commit_callbacks
):
    image = picture_with_renditions()
    old = files_of(image.pk, image.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_image(
            editor_client,
            encode(PillowImage.new("RGB", SIZE, "navy"), "PNG"),
            "new.png",
            url=reverse("admin:articles_image_change", args=[image.pk]),
        )
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.file.name.endswith(".png") and default_storage.exists(image.file.name)
    assert not any(default_storage.exists(name) for name in old)
    made = renditions_for(image)
    with default_storage.open(made.fallback[0].url.removeprefix("/media/")) as handle:
        with PillowImage.open(handle) as picture:
            assert close_to(picture.getpixel(OPAQUE), (0, 0, 128))


def test_saving_an_image_without_a_new_file_keeps_its_files(
    editor_client, django_capture_on_commit_callbacks
):
    image = picture_with_renditions()
    before = files_of(image.pk, image.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:articles_image_change", args=[image.pk]),
            {"alt_text": "A new description", "caption": "", "credit": ""},
        )
    assert response.status_code == 302
    assert files_of(image.pk, image.file.name) == before


def test_a_file_another_row_still_names_is_kept(django_capture_on_commit_callbacks):
    # Restoring a backup over a live site could leave two rows naming one file.
    image = picture_with_renditions()
    twin = Image.objects.create(file=image.file.name, alt_text="Twin", width=64, height=48)
    with django_capture_on_commit_callbacks(execute=True):
        delete_stored_files(image)
        image.delete()
    assert default_storage.exists(twin.file.name)
