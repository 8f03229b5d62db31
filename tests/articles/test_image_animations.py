"""Animations (articles/images.py): stored with their frames, colours and timing, or refused with
a message when they would cost too much to check."""

import io

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from PIL import Image as PillowImage
from PIL import ImageSequence
from PIL.PngImagePlugin import Blend

from articles.models import Image
from tests.articles.pictures import CLEAR, OPAQUE, SIZE, close_to, encode, gif, post_image
from tests.helpers import stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rendition URLs are cached by image and file name


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
        assert stored.format == fmt
        assert stored.n_frames == 3
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
    with (
        default_storage.open(Image.objects.get().file.name) as handle,
        PillowImage.open(handle) as stored,
    ):
        shown = [frame.convert("RGBA") for frame in ImageSequence.Iterator(stored)]
    assert len(shown) == 3
    for frame, expected in zip(shown, [(255, 0, 0), (0, 128, 0), (0, 0, 255)], strict=True):
        assert frame.getpixel(CLEAR)[3] == 0
        assert close_to(frame.getpixel(OPAQUE), (*expected, 255))


def test_a_legal_gif_of_two_400_second_frames_is_stored_not_a_500(editor_client):
    data = gif((1, 1), [(1, 1, 40_000), (1, 1, 40_000)])
    assert len(data) == 85
    with PillowImage.open(io.BytesIO(data)) as picture:
        assert picture.n_frames == 2
    response = post_image(editor_client, data, "slow.gif")
    assert response.status_code == 302
    with (
        default_storage.open(Image.objects.get().file.name) as handle,
        PillowImage.open(handle) as stored,
    ):
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
    with (
        default_storage.open(Image.objects.get().file.name) as handle,
        PillowImage.open(handle) as stored,
    ):
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
        assert picture.size == (10, 10)
        assert picture.n_frames == 2
    response = post_image(editor_client, data, "growing.gif")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.as_data()["file"][0].code == "too_many_pixels"
