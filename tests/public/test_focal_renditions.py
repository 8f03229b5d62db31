"""Crops around the focal point (public/renditions.py): made with Pillow, they keep the marked
part of the picture; moving the point makes new ones and the pages showing the picture follow."""

import json
import re
from io import BytesIO

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tasks_db.models import DBTaskResult
from PIL import Image as PillowImage
from PIL import ImageDraw

from articles import changes
from articles.focal import SHAPES, point_code
from articles.image_files import unused_renditions
from articles.models import Image
from public.renditions import Rendition, make_renditions, renditions_for
from tests.factories import ArticleFactory, ImageFactory
from tests.helpers import stored_files

pytestmark = pytest.mark.django_db

RED = (220, 0, 0)


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    cache.clear()


def with_red_dot(size: tuple[int, int], centre: tuple[int, int], radius: int = 12) -> ContentFile:
    """A grey PNG with one red dot, the part of the picture that must stay in frame."""
    picture = PillowImage.new("RGB", size, (128, 128, 128))
    x, y = centre
    ImageDraw.Draw(picture).ellipse((x - radius, y - radius, x + radius, y + radius), fill=RED)
    buffer = BytesIO()
    picture.save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="dot.png")


def opened(rendition: Rendition) -> PillowImage.Image:
    with default_storage.open(rendition.url.removeprefix("/media/")) as handle:
        picture = PillowImage.open(handle)
        picture.load()
    return picture.convert("RGB")


def red_pixels(picture: PillowImage.Image) -> int:
    # JPEG and WebP blur the edge of the dot: count clearly red pixels.
    colours = picture.getcolors(maxcolors=picture.width * picture.height) or []
    return sum(count for count, (r, g, b) in colours if r > 170 and g < 80 and b < 80)


def assert_shape(rendition: Rendition, shape: str) -> None:
    ratio = SHAPES[shape]
    assert abs(rendition.width / rendition.height - float(ratio)) < 0.02 * float(ratio) + 1 / (
        rendition.height
    )


# A dot near a corner, far out of any crop of the middle: (size, dot, focal point).
CORNERS = [
    pytest.param((1600, 600), (40, 40), (40 / 1600, 40 / 600), id="landscape-top-left"),
    pytest.param((1600, 600), (1560, 560), (1560 / 1600, 560 / 600), id="landscape-bottom-right"),
    pytest.param((600, 1600), (560, 1560), (560 / 600, 1560 / 1600), id="portrait-bottom-right"),
    pytest.param((600, 1600), (40, 40), (40 / 600, 40 / 1600), id="portrait-top-left"),
]


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize(("size", "dot", "focal"), CORNERS)
def test_every_crop_keeps_the_marked_dot_in_frame(shape, size, dot, focal):
    image = ImageFactory(file=with_red_dot(size, dot), focal_x=focal[0], focal_y=focal[1])
    found = renditions_for(image, shape)
    assert found.fallback_type == "image/jpeg"
    assert {r.width for r in found.webp} == {r.width for r in found.fallback}
    for rendition in (found.webp[0], found.fallback[0], found.webp[-1], found.fallback[-1]):
        assert_shape(rendition, shape)
        picture = opened(rendition)
        assert picture.size == (rendition.width, rendition.height)
        assert red_pixels(picture) > 0, f"the dot is out of the {shape} crop {rendition.url}"


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize(("size", "dot", "focal"), CORNERS)
def test_without_a_focal_point_the_crop_is_of_the_middle_and_loses_the_dot(shape, size, dot, focal):
    # The test above would prove nothing if any crop kept the corners.
    image = ImageFactory(file=with_red_dot(size, dot))
    found = renditions_for(image, shape)
    assert red_pixels(opened(found.fallback[-1])) == 0
    assert "-5000x5000-" in found.fallback[-1].url


def test_crops_are_named_after_the_point_and_the_whole_picture_is_still_there():
    image = ImageFactory(file=with_red_dot((1600, 600), (40, 40)), focal_x=0.025, focal_y=0.0667)
    whole = renditions_for(image)
    assert [r.width for r in whole.fallback] == [320, 640, 960, 1280, 1600]
    assert [r.height for r in whole.fallback] == [120, 240, 360, 480, 600]
    square = renditions_for(image, "square")
    assert [r.width for r in square.fallback] == [320, 600]  # never wider than the crop
    assert all("-square-250x667-" in r.url for r in square.webp + square.fallback)
    wide = renditions_for(image, "wide")
    assert [(r.width, r.height) for r in wide.fallback][-1] == (1067, 600)


def test_a_tiny_picture_gives_tiny_crops():
    image = ImageFactory(file=with_red_dot((3, 2), (0, 0), radius=1), focal_x=0, focal_y=0)
    for shape in SHAPES:
        found = renditions_for(image, shape)
        assert found is not None
        assert all(r.width >= 1 and r.height >= 1 for r in found.fallback)


def test_an_unknown_shape_is_a_programming_error():
    image = ImageFactory()
    with pytest.raises(ValueError, match="No shape is called 'banner'"):
        renditions_for(image, "banner")


# Moving the point, through the door -------------------------------------------------------------


def test_moving_the_point_makes_new_crops_and_drops_the_old(
    editor, django_capture_on_commit_callbacks
):
    image = ImageFactory(file=with_red_dot((1600, 600), (40, 40)))
    old = {shape: renditions_for(image, shape) for shape in SHAPES}
    old_files = {r.url.removeprefix("/media/") for found in old.values() for r in found.webp}
    assert old_files <= stored_files()
    whole = renditions_for(image)

    image.focal_x, image.focal_y = 0.025, 0.0667
    with django_capture_on_commit_callbacks(execute=True):
        changes.save_library_item(image, by=editor, changed=["focal_x", "focal_y"])

    image.refresh_from_db()
    for shape in SHAPES:
        new = renditions_for(image, shape)
        assert new != old[shape]
        assert all(f"-{shape}-250x667-" in r.url for r in new.fallback)
        assert red_pixels(opened(new.fallback[-1])) > 0
    assert not old_files & stored_files(), "crops around the old point were left in storage"
    assert renditions_for(image) == whole  # the whole picture's renditions stay as they were
    assert all(r.url.removeprefix("/media/") in stored_files() for r in whole.fallback)


def test_tidying_finds_crops_around_a_point_no_longer_marked():
    image = ImageFactory(file=with_red_dot((800, 300), (20, 20)), focal_x=0.2, focal_y=0.2)
    renditions_for(image, "square")
    files = {image.pk: image.file.name}
    assert list(unused_renditions(files, {image.pk: (0.2, 0.2)})) == []
    unused = set(unused_renditions(files, {image.pk: (0.7, 0.2)}))
    assert unused
    assert all("-square-2000x2000-" in name for name in unused)
    assert set(unused_renditions(files)) == unused  # no point given: the middle


# What pages show ------------------------------------------------------------------------------


def story_with(image: Image):
    return ArticleFactory(published=True, lead_image=image, headline="Bakeries reopen in Douma")


def test_the_lead_card_is_wide_and_social_images_are_1_91_and_square(client):
    image = ImageFactory(file=with_red_dot((1600, 600), (40, 40)), focal_x=0.025, focal_y=0.0667)
    article = story_with(image)
    code = point_code(image.focal_point)

    home = client.get("/").content.decode()
    card = re.search(r'<picture class="card__image">.*?</picture>', home, re.S).group(0)
    assert f"-wide-{code}-" in card
    width, height = re.search(r'width="(\d+)" height="(\d+)"', card).groups()
    assert abs(int(width) / int(height) - 16 / 9) < 0.01

    page = client.get(article.get_absolute_url()).content.decode()
    og_image = re.search(r'<meta property="og:image" content="([^"]+)"', page).group(1)
    assert og_image.startswith("http")
    assert f"-social-{code}-" in og_image
    assert f'<meta name="twitter:image" content="{og_image}">' in page
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert [urls.split("/")[-1].split("-")[1] for urls in data["image"][:2]] == ["wide", "square"]
    assert len(data["image"]) == 3  # and the whole picture


def test_moving_the_point_changes_the_cached_pages_showing_the_picture(
    client, settings, editor, django_capture_on_commit_callbacks
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    image = ImageFactory(file=with_red_dot((1600, 600), (40, 40)))
    article = story_with(image)
    before = client.get(article.get_absolute_url()).content.decode()
    assert "-social-5000x5000-" in before
    assert "-wide-5000x5000-" in client.get("/").content.decode()

    image.focal_x, image.focal_y = 0.9, 0.1
    with django_capture_on_commit_callbacks(execute=True):
        changes.save_library_item(image, by=editor, changed=["focal_x", "focal_y"])

    after = client.get(article.get_absolute_url()).content.decode()
    assert "-social-9000x1000-" in after
    assert "-5000x5000-" not in after
    assert "-wide-9000x1000-" in client.get("/").content.decode()


def test_a_moved_point_sends_the_picture_to_the_worker_and_pages_wait_for_it(
    client, editor, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    image = ImageFactory(file=with_red_dot((1600, 600), (40, 40)))
    story_with(image)
    whole = renditions_for(image)
    image.focal_x = 0.1
    with django_capture_on_commit_callbacks(execute=True):
        changes.save_library_item(image, by=editor, changed=["focal_x"])
    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs["args"] == [image.pk, image.file.name]

    # Until the worker has run, no reader waits for Pillow: the stored picture stands in.
    assert renditions_for(image, "wide").fallback[0].url == image.file.url
    assert renditions_for(image) == whole

    assert make_renditions.call(image.pk, image.file.name) is True
    assert all("-wide-1000x5000-" in r.url for r in renditions_for(image, "wide").fallback)
