"""A picture saved through the door has its renditions made by a background task
(public/renditions.py), never by the first reader: until the worker has run, pages show the
stored picture at its own size, with the same number of queries."""

import re
from io import BytesIO

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from PIL import Image as PillowImage

from articles import changes
from articles.image_files import rendition_cache_key
from articles.models import Image
from public.renditions import RenditionSet, make_renditions, pending_key
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker_tasks(settings):
    """Tasks wait in the database for the worker, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    cache.clear()


def jpeg(width: int, height: int) -> ContentFile:
    buffer = BytesIO()
    PillowImage.new("RGB", (width, height), "navy").save(buffer, "JPEG")
    return ContentFile(buffer.getvalue(), name="photo.jpg")


def refuse_resizing(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("a rendition was made on a reader's request")

    monkeypatch.setattr(PillowImage.Image, "resize", refuse)


def picture_of(client, article) -> tuple[str, int]:
    """The <picture> of the story page, and the number of queries the page took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    found = re.search(r"<picture>.*?</picture>", response.content.decode(), re.S)
    assert found, "no picture on the page"
    return found.group(0), len(queries)


def test_a_new_picture_is_shown_as_stored_until_the_worker_has_made_its_renditions(
    client, editor, worker_tasks, monkeypatch
):
    image = changes.save_library_item(
        Image(file=jpeg(1600, 900), alt_text="A school gate"), by=editor
    )
    article = ArticleFactory(published=True, lead_image=image)
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    refuse_resizing(monkeypatch)
    waiting, queries_waiting = picture_of(client, article)
    assert f'src="{image.file.url}"' in waiting
    assert 'width="1600" height="900"' in waiting
    assert "image/webp" not in waiting
    monkeypatch.undo()

    call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1
    refuse_resizing(monkeypatch)
    made, queries_made = picture_of(client, article)
    assert image.file.url not in made
    assert "-640.webp 640w" in made
    assert "-1600.jpg 1600w" in made
    assert queries_made == queries_waiting


def test_with_tasks_run_at_once_the_renditions_exist_before_any_reader_asks(
    client, editor, monkeypatch
):
    image = changes.save_library_item(Image(file=jpeg(800, 600), alt_text="A bakery"), by=editor)
    assert isinstance(cache.get(rendition_cache_key(image.pk, image.file.name)), RenditionSet)
    assert cache.get(pending_key(image.pk, image.file.name)) is None
    article = ArticleFactory(published=True, lead_image=image)
    refuse_resizing(monkeypatch)
    made, _ = picture_of(client, article)
    assert "-640.webp 640w" in made


def test_a_task_for_a_file_replaced_meanwhile_makes_nothing(editor):
    image = changes.save_library_item(Image(file=jpeg(800, 600), alt_text="A bakery"), by=editor)
    cache.set(pending_key(image.pk, "images/the-old-one.jpg"), True)
    assert make_renditions.call(image.pk, "images/the-old-one.jpg") is False
    assert cache.get(pending_key(image.pk, "images/the-old-one.jpg")) is None


def test_a_refused_picture_enqueues_nothing(worker_tasks):
    nobody = UserFactory(username="nobody")
    with pytest.raises(changes.ChangeRefused):
        changes.save_library_item(Image(file=jpeg(800, 600), alt_text="A bakery"), by=nobody)
    assert not DBTaskResult.objects.exists()
    assert not Image.objects.exists()
