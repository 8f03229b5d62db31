"""Image renditions: several widths, WebP and a fallback, made once, the original never sent."""

import re
from io import BytesIO

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PillowImage
from PIL import ImageFile

from articles.image_files import WIDTHS, delete_renditions
from articles.models import Image
from public.renditions import renditions_for, target_widths
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    ContributorFactory,
    ImageFactory,
    png_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    cache.clear()


def jpeg(width: int, height: int) -> ContentFile:
    buffer = BytesIO()
    PillowImage.new("RGB", (width, height), "navy").save(buffer, "JPEG")
    return ContentFile(buffer.getvalue(), name="photo.jpg")


def test_target_widths_never_upscale():
    assert target_widths(2000) == list(WIDTHS)
    assert target_widths(700) == [320, 640, 700]
    assert target_widths(100) == [100]


def test_renditions_are_webp_and_jpeg_at_each_width_with_heights():
    image = ImageFactory(file=jpeg(1000, 500))
    found = renditions_for(image)
    assert [r.width for r in found.webp] == [320, 640, 960, 1000]
    assert [r.height for r in found.webp] == [160, 320, 480, 500]
    assert found.fallback_type == "image/jpeg"
    for rendition, fmt in [(found.webp[1], "WEBP"), (found.fallback[1], "JPEG")]:
        name = rendition.url.removeprefix("/media/")
        with default_storage.open(name) as handle, PillowImage.open(handle) as made:
            assert made.format == fmt
            assert made.size == (640, 320)


def test_transparent_images_fall_back_to_png():
    image = ImageFactory(file=ContentFile(_rgba_png(), name="logo.png"))
    assert renditions_for(image).fallback_type == "image/png"


def _rgba_png() -> bytes:
    buffer = BytesIO()
    PillowImage.new("RGBA", (400, 200), (0, 0, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def test_renditions_are_made_once(monkeypatch):
    image = ImageFactory(file=jpeg(800, 600))
    first = renditions_for(image)
    cache.clear()  # even with the cache gone, existing files are reused, not remade

    def refuse(*args, **kwargs):
        raise AssertionError("rendition made twice")

    monkeypatch.setattr(PillowImage.Image, "resize", refuse)
    assert renditions_for(image) == first


def test_unreadable_image_gives_no_picture_rather_than_an_error():
    image = ImageFactory(file=ContentFile(png_bytes(), name="gone.png"))
    default_storage.delete(image.file.name)
    assert renditions_for(image) is None


def test_article_page_sends_renditions_with_srcset_sizes_and_dimensions_never_the_original(client):
    image = ImageFactory(file=jpeg(1600, 900), alt_text="A school gate")
    article = ArticleFactory(published=True, lead_image=image)
    html = client.get(article.get_absolute_url()).content.decode()
    assert image.file.url not in html
    assert '<source type="image/webp" srcset="' in html
    picture = re.search(r"<picture>.*?</picture>", html, re.S).group(0)
    for width in WIDTHS:
        assert f"-{width}.webp {width}w" in picture
        assert f"-{width}.jpg {width}w" in picture
    assert 'sizes="(min-width: 48rem) 46rem, 100vw"' in picture
    assert 'width="640" height="360"' in picture
    assert 'alt="A school gate"' in picture


def test_contributor_photo_is_a_rendition(client):
    photo = ImageFactory(file=jpeg(600, 600), alt_text="Portrait")
    person = ContributorFactory(name="Hala Nasser", photo=photo)
    # Only a contributor credited on a published story has a page.
    BylineFactory(article=ArticleFactory(published=True), contributor=person)
    html = client.get(f"/contributors/{person.slug}/").content.decode()
    assert photo.file.url not in html
    assert "image/webp" in html
    assert 'alt="Portrait"' in html


# Bounded work -------------------------------------------------------------------------------


def stored_directly(data: bytes, name: str, size: tuple[int, int]) -> Image:
    """A file put in storage as it is (as before uploads were re-encoded, or by a restore)."""
    saved = default_storage.save(f"images/{name}", ContentFile(data))
    return Image.objects.create(
        file=saved, alt_text="Stored as it came", width=size[0], height=size[1]
    )


@pytest.fixture
def resized_from(monkeypatch) -> list[tuple[int, int]]:
    """The size of every picture a rendition is resized from."""
    seen = []
    resize = PillowImage.Image.resize

    def spy(self, size, *args, **kwargs):
        seen.append(self.size)
        return resize(self, size, *args, **kwargs)

    monkeypatch.setattr(PillowImage.Image, "resize", spy)
    return seen


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_huge_picture_is_never_resized_from_its_full_size(resized_from, fmt):
    # 25.6 megapixels. A JPEG is decoded at a quarter of its width (1,600 pixels, the widest
    # rendition); a PNG, decoded whole, is halved before anything else.
    buffer = BytesIO()
    PillowImage.new("RGB", (6400, 4000), "navy").save(buffer, fmt)
    image = stored_directly(buffer.getvalue(), f"big.{fmt.lower()}", (6400, 4000))
    made = renditions_for(image)
    assert [r.width for r in made.webp] == list(WIDTHS)
    assert resized_from
    assert max(width for width, _ in resized_from) <= 2 * WIDTHS[-1]
    with (
        default_storage.open(made.fallback[-1].url.removeprefix("/media/")) as handle,
        PillowImage.open(handle) as widest,
    ):
        assert widest.size == (1600, 1000)
        assert widest.getpixel((800, 500)) == pytest.approx((0, 0, 128), abs=4)


def test_nothing_is_decoded_when_every_rendition_exists(monkeypatch):
    image = ImageFactory(file=jpeg(800, 600))
    first = renditions_for(image)
    cache.clear()
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded"))
    assert renditions_for(image) == first


def test_a_photo_still_carrying_its_camera_orientation_is_turned(resized_from):
    exif = PillowImage.Exif()
    exif[0x0112] = 6  # turn 90° clockwise to view
    buffer = BytesIO()
    PillowImage.new("RGB", (2400, 1200), "navy").save(buffer, "JPEG", exif=exif)
    image = stored_directly(buffer.getvalue(), "sideways.jpg", (2400, 1200))
    made = renditions_for(image)
    assert [(r.width, r.height) for r in made.fallback] == [
        (320, 640),
        (640, 1280),
        (960, 1920),
        (1200, 2400),
    ]
    with (
        default_storage.open(made.fallback[0].url.removeprefix("/media/")) as handle,
        PillowImage.open(handle) as picture,
    ):
        assert picture.size == (320, 640)


def test_a_picture_that_cannot_be_rendered_costs_the_page_its_picture_not_a_500(client):
    image = stored_directly(b"GIF89a" + b"\x00" * 40, "broken.gif", (10, 10))
    article = ArticleFactory(published=True, lead_image=image)
    assert renditions_for(image) is None
    assert client.get(article.get_absolute_url()).status_code == 200


# Removal ------------------------------------------------------------------------------------


def rendition_names(made) -> set[str]:
    return {r.url.removeprefix("/media/") for r in (*made.webp, *made.fallback)}


def test_delete_renditions_removes_those_of_one_file_or_of_every_file():
    image = ImageFactory(file=jpeg(700, 400))
    current = rendition_names(renditions_for(image))
    digest = next(iter(current)).split("/")[-1].split("-")[0]  # renditions/<pk>/<digest>-<w>
    earlier = {name.replace(digest, "0" * 12) for name in current}
    for name in earlier:  # renditions of a file the image had before
        default_storage.save(name, ContentFile(b"old"))
    neighbour = ImageFactory(file=jpeg(700, 400))
    theirs = rendition_names(renditions_for(neighbour))

    assert delete_renditions(image.pk, "images/some-other-file.jpg") == 0
    assert delete_renditions(image.pk, image.file.name) == len(current) == 6
    assert not any(default_storage.exists(name) for name in current)
    assert all(default_storage.exists(name) for name in earlier | theirs)
    assert delete_renditions(image.pk, image.file.name, every_file=True) == len(earlier)
    assert all(default_storage.exists(name) for name in theirs)


def test_deleted_renditions_are_forgotten_by_the_cache():
    image = ImageFactory(file=jpeg(700, 400))
    names = rendition_names(renditions_for(image))
    delete_renditions(image.pk, image.file.name)
    assert rendition_names(renditions_for(image)) == names  # made again, not a cached dead link
    assert all(default_storage.exists(name) for name in names)
