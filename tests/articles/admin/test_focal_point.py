"""The focal point of a picture: set through the door by those who may change pictures, from the
image form's number fields (the preview's script fills them in), refused outside the picture."""

import math

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from articles import changes
from articles.models import AuditEntry, Image
from tests.factories import ArticleFactory, ImageFactory, png_bytes
from tests.helpers import stored_files

pytestmark = pytest.mark.django_db


def change_url(image: Image) -> str:
    return reverse("admin:articles_image_change", args=[image.pk])


def form_data(image: Image, **values) -> dict:
    return {
        "alt_text": image.alt_text,
        "caption": image.caption,
        "credit": image.credit,
        "focal_x": "",
        "focal_y": "",
        **values,
    }


# The door ---------------------------------------------------------------------------------------


def test_an_editor_marks_the_focal_point_through_the_door(editor):
    image = ImageFactory()
    image.focal_x, image.focal_y = 0.25, 0.123456
    changes.save_library_item(image, by=editor, changed=["focal_x", "focal_y"])
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y) == (0.25, 0.1235)  # kept to four places
    assert image.focal_point == (0.25, 0.1235)
    entry = AuditEntry.objects.get(action="library.change")
    assert entry.changed == ["focal_x", "focal_y"]
    assert entry.by == editor


def test_an_empty_focal_point_is_the_middle(editor):
    image = ImageFactory(focal_x=0.1, focal_y=0.9)
    image.focal_x = image.focal_y = None
    changes.save_library_item(image, by=editor)
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y, image.focal_point) == (None, None, (0.5, 0.5))


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (1.5, 0.5, "focal point across must be from 0 to 1"),
        (-0.1, 0.5, "focal point across must be from 0 to 1"),
        (0.5, math.nan, "focal point down must be from 0 to 1"),
        (0.5, math.inf, "focal point down must be from 0 to 1"),
        ("middle", 0.5, "focal point across must be a number from 0 to 1"),
    ],
)
def test_a_point_outside_the_picture_is_refused_and_nothing_changes(editor, x, y, message):
    image = ImageFactory(focal_x=0.3, focal_y=0.3)
    image.focal_x, image.focal_y, image.alt_text = x, y, "Changed too"
    with pytest.raises(changes.ChangeRefused, match=message):
        changes.save_library_item(image, by=editor)
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y, image.alt_text) != (x, y, "Changed too")
    assert (image.focal_x, image.focal_y) == (0.3, 0.3)
    assert not AuditEntry.objects.exists()


def test_the_database_refuses_a_point_outside_the_picture_on_any_path():
    image = ImageFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Image.objects.filter(pk=image.pk).update(focal_x=1.01)
    with pytest.raises(IntegrityError), transaction.atomic():
        Image.objects.filter(pk=image.pk).update(focal_y=-0.5)


@pytest.mark.parametrize("role", ["reporter", "translator"])
def test_reporters_and_translators_may_not_move_the_point(request, role):
    person = request.getfixturevalue(role)
    image = ImageFactory(uploaded_by=person)  # not even on a picture they uploaded
    image.focal_x = 0.9
    with pytest.raises(changes.ChangeRefused, match="may not change images"):
        changes.save_library_item(image, by=person)
    image.refresh_from_db()
    assert image.focal_x is None


def test_a_reporter_marks_the_point_of_a_picture_they_upload(reporter_client):
    upload = SimpleUploadedFile("street.png", png_bytes(40, 30), content_type="image/png")
    response = reporter_client.post(
        reverse("admin:articles_image_add"),
        {"file": upload, "alt_text": "A street", "focal_x": "0.1", "focal_y": "0.8"},
    )
    assert response.status_code == 302
    assert Image.objects.get().focal_point == (0.1, 0.8)


def test_moving_the_point_forgets_the_pages_showing_the_picture(editor, monkeypatch):
    image = ImageFactory()
    shown = ArticleFactory(published=True, lead_image=image)
    ArticleFactory(published=True)  # another story, whose page stays
    announced = []
    monkeypatch.setattr(
        "articles.changes.library.announce",
        lambda ids, what, site_wide=False: announced.append((set(ids), what, site_wide)),
    )
    image.focal_y = 0.2
    changes.save_library_item(image, by=editor)
    assert announced == [({shown.pk}, {"library"}, True)]


# The desk's image form --------------------------------------------------------------------------


def test_the_form_shows_the_preview_to_click_and_the_two_fields(editor_client):
    image = ImageFactory(focal_x=0.2, focal_y=0.7)
    response = editor_client.get(change_url(image))
    html = response.content.decode()
    assert 'class="admin-thumbnail focal-preview"' in html
    assert 'data-focal-x="0.2" data-focal-y="0.7"' in html
    assert 'name="focal_x"' in html
    assert 'name="focal_y"' in html
    assert 'type="number"' in html
    assert 'min="0"' in html
    assert 'max="1"' in html
    assert 'src="/static/admin-extra/focal-point.js"' in html
    # The script is a file: the admin's CSP runs nothing inline, and none is needed here.
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    assert "<script>" not in html.replace('<script src="', "")


def test_an_editor_sets_the_point_from_the_form(editor_client, editor):
    image = ImageFactory()
    response = editor_client.post(change_url(image), form_data(image, focal_x="0.9", focal_y="0"))
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.focal_point == (0.9, 0.0)
    assert AuditEntry.objects.get().changed == ["focal_x", "focal_y"]


@pytest.mark.parametrize(
    ("x", "error"),
    [
        ("1.2", "less than or equal to 1"),
        ("-1", "greater than or equal to 0"),
        ("nan", "Enter a number"),
        ("left", "Enter a number"),
    ],
)
def test_the_form_says_what_is_wrong_with_a_point_and_saves_nothing(editor_client, x, error):
    image = ImageFactory(focal_x=0.4)
    response = editor_client.post(
        change_url(image), form_data(image, focal_x=x, focal_y="0.5", alt_text="Changed")
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert error in " ".join(errors["focal_x"])
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y, image.alt_text) == (0.4, None, image.alt_text)
    assert image.alt_text != "Changed"
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("role", ["reporter", "translator"])
def test_the_form_will_not_move_the_point_for_reporters_or_translators(request, role):
    client = request.getfixturevalue(f"{role}_client")
    image = ImageFactory(focal_x=0.4)
    before = stored_files()
    client.raise_request_exception = False
    response = client.post(change_url(image), form_data(image, focal_x="0.9", focal_y="0.9"))
    assert response.status_code == 403
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y) == (0.4, None)
    assert stored_files() == before
