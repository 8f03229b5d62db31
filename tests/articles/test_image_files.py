"""Image files (articles/images.py, articles/image_files.py): every stored file has a random
name, and its files leave storage with it, whatever the storage."""

import re

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from PIL import Image as PillowImage

from articles import images
from articles.image_files import delete_stored_files
from articles.images import clean_copy, stored_name
from articles.models import Image
from public.renditions import renditions_for
from tests.articles.pictures import IMAGE_ADD, OPAQUE, SIZE, close_to, encode, post_image, sample
from tests.factories import ArticleFactory, ImageFactory
from tests.helpers import stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rendition URLs are cached by image and file name


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
        assert b"face-of-source" not in page.content
        assert b"abu-ahmad" not in page.content
    assert all(image.file.name in page.content.decode() for page in admin_pages)
    assert b"/renditions/" in public_page.content
    assert stored_files()
    assert not [name for name in stored_files() if "source" in name]


def test_a_picture_on_a_form_refused_for_another_reason_is_not_stored(editor_client):
    upload = SimpleUploadedFile("street.png", encode(sample("RGB"), "PNG"))
    response = editor_client.post(IMAGE_ADD, {"file": upload, "alt_text": "", "caption": ""})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["alt_text"]
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
    assert made
    assert default_storage.exists(made.webp[0].url.removeprefix("/media/"))
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
        assert files_of(pk, name)
        assert response.status_code == 302
    assert callbacks
    assert files_of(pk, name) == set()
    on_disk = {
        p.relative_to(settings.MEDIA_ROOT).as_posix() for p in settings.MEDIA_ROOT.rglob("*")
    }
    assert name not in on_disk
    assert not any(p.startswith(f"renditions/{pk}/") for p in on_disk)
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
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
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
    assert len(names) == 3
    assert all(default_storage.exists(name) for name in names)
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
    assert image.file.name.endswith(".png")
    assert default_storage.exists(image.file.name)
    assert not any(default_storage.exists(name) for name in old)
    made = renditions_for(image)
    with (
        default_storage.open(made.fallback[0].url.removeprefix("/media/")) as handle,
        PillowImage.open(handle) as picture,
    ):
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
