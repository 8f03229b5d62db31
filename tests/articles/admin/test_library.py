"""The library in the admin: images, contributors and sections, and who may change them."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.models import Image
from tests.factories import ContributorFactory, ImageFactory, SectionFactory, png_bytes
from tests.helpers import stored_files

pytestmark = pytest.mark.django_db


# Images, contributors, sections


def test_image_upload_stores_its_size_and_the_list_previews_it_safely(editor_client):
    upload = SimpleUploadedFile("street.png", png_bytes(40, 30), content_type="image/png")
    response = editor_client.post(
        reverse("admin:articles_image_add"),
        {"file": upload, "alt_text": '"><script>alert(1)</script>', "caption": "", "credit": ""},
    )
    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.width, image.height) == (40, 30)
    html = editor_client.get(reverse("admin:articles_image_changelist")).content.decode()
    assert f'src="{image.file.url}"' in html
    assert "<script>alert(1)</script>" not in html


def test_image_upload_of_a_non_image_is_refused_with_a_message(editor_client):
    upload = SimpleUploadedFile("evil.png", b"<?php echo 1; ?>", content_type="image/png")
    response = editor_client.post(
        reverse("admin:articles_image_add"), {"file": upload, "alt_text": "x"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"]
    assert not Image.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["contributor", "section", "image"],
)
def test_other_admin_pages_open_for_editors(editor_client, name):
    ImageFactory()
    ContributorFactory()
    SectionFactory()
    for page in ("changelist", "add"):
        assert editor_client.get(reverse(f"admin:articles_{name}_{page}")).status_code == 200


@pytest.mark.parametrize("role", ["reporter", "translator"])
def test_only_editors_may_change_or_delete_an_image(request, role):
    client = request.getfixturevalue(f"{role}_client")
    image = ImageFactory()
    before = stored_files()
    client.raise_request_exception = False
    upload = SimpleUploadedFile("other.png", png_bytes(20, 20), content_type="image/png")
    attempts = [
        client.post(
            reverse("admin:articles_image_change", args=[image.pk]),
            {"file": upload, "alt_text": "Replaced", "caption": "", "credit": ""},
        ),
        client.post(reverse("admin:articles_image_delete", args=[image.pk]), {"post": "yes"}),
    ]
    assert [response.status_code for response in attempts] == [403, 403]
    # The delete action is not offered to them, and asking for it anyway does nothing.
    changelist = reverse("admin:articles_image_changelist")
    assert "delete_selected" not in client.get(changelist).content.decode()
    client.post(
        changelist, {"action": "delete_selected", "_selected_action": [image.pk], "post": "yes"}
    )
    image.refresh_from_db()
    assert image.alt_text != "Replaced"
    assert stored_files() == before
    assert default_storage.exists(image.file.name)


def test_a_reporter_may_upload_an_image(reporter_client):
    upload = SimpleUploadedFile("street.png", png_bytes(20, 20), content_type="image/png")
    response = reporter_client.post(
        reverse("admin:articles_image_add"),
        {"file": upload, "alt_text": "A street", "caption": "", "credit": ""},
    )
    assert response.status_code == 302
    assert default_storage.exists(Image.objects.get().file.name)
