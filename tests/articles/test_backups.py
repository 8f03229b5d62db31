"""export_archive and import_archive: a round trip loses nothing, Arabic byte for byte."""

import zipfile
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles import workflow
from articles.backups import archived_models
from articles.importer import import_story_file
from articles.models import Article, Correction
from newsroom.two_factor import check_code, replace_recovery_codes
from tests.articles.test_importer import RAQQA, SAMPLE
from tests.conftest import confirmed_totp_device, current_totp_code, password_only_login
from tests.factories import ArticleFactory, BylineFactory, ImageFactory, SectionFactory


def snapshot() -> dict[str, str]:
    """Every archived row of every model, serialized; what a round trip must give back."""
    return {
        model._meta.label: serializers.serialize(
            "json",
            model._default_manager.order_by("pk"),
            use_natural_foreign_keys=True,
            ensure_ascii=False,
        )
        for model in archived_models()
    }


def wipe() -> None:
    """Empty every archived table without signals, so no deletion history is written."""
    with transaction.atomic():
        for model in reversed(archived_models()):
            if model is get_user_model():
                model._base_manager.all().delete()  # with its group memberships
            else:
                model._base_manager.all()._raw_delete(connection.alias)


@pytest.fixture
def newsroom(editor, reporter):
    sample = import_story_file(SAMPLE, by=editor).article
    for step in ("submit", "approve", "publish"):
        workflow.transition(sample, step, by=editor)
    Correction.objects.create(article=sample, text="An earlier version misdated the truce.")
    SectionFactory(name="Raqqa")  # the desk's: a reporter's copy may only name it
    raqqa = import_story_file(RAQQA, by=reporter).article
    workflow.transition(raqqa, "submit", by=reporter)
    image = ImageFactory(alt_text="مدرسة في الرقة")
    ArticleFactory(lead_image=image, tags=["Raqqa", "تعليم"], byline_count=2)
    BylineFactory(article=raqqa, position=5)
    return raqqa


@pytest.mark.django_db(transaction=True)
def test_a_round_trip_restores_every_row_and_file(newsroom, editor, client, tmp_path):
    # The editor's second factor: a confirmed authenticator app and ten recovery codes.
    authenticator = confirmed_totp_device(editor)
    recovery_codes = replace_recovery_codes(editor)
    # A time whose milliseconds are all zero, which Django's JSON encoder would cut off.
    Article.objects.filter(pk=newsroom.pk).update(
        updated_at=newsroom.updated_at.replace(microsecond=412)
    )
    before = snapshot()
    # Revisions, corrections and the audit trail travel with the stories; the accounts' second
    # factors with the accounts.
    for label in (
        "articles.HistoricalArticle",
        "articles.Correction",
        "articles.StatusChange",
        "otp_totp.TOTPDevice",
        "otp_static.StaticDevice",
        "otp_static.StaticToken",
    ):
        assert before[label] != "[]", label
    image_name = Article.objects.exclude(lead_image=None).get().lead_image.file.name
    image_bytes = default_storage.open(image_name, "rb").read()
    path = tmp_path / "backup.zip"
    out = StringIO()
    call_command("export_archive", str(path), stdout=out)
    assert "media file(s)" in out.getvalue()

    wipe()
    default_storage.delete(image_name)
    assert not Article.objects.exists()

    call_command("import_archive", str(path), stdout=StringIO())
    assert snapshot() == before
    assert default_storage.open(image_name, "rb").read() == image_bytes
    raqqa = Article.objects.get(pk=newsroom.pk)
    assert raqqa.updated_at == newsroom.updated_at.replace(microsecond=412)
    assert raqqa.source_headline.encode() == newsroom.source_headline.encode()
    assert raqqa.exchanges.get(position=1).answer_original.encode() == (
        newsroom.exchanges.get(position=1).answer_original.encode()
    )
    # New rows after a restore get fresh ids, on PostgreSQL too (sequences were reset).
    assert ArticleFactory().pk > max(
        a.pk for a in Article.objects.exclude(slug__startswith="headline")
    )

    # The editor passes the second factor with the same app and codes as before, and someone
    # holding only the password is sent to that step rather than allowed to enrol a new app.
    password_only_login(client, editor)
    response = client.get(reverse("two_factor:setup"))
    assert response.status_code == 302 and "/admin/2fa/verify/" in response["Location"]
    restored = TOTPDevice.objects.get(pk=authenticator.pk, user=editor, confirmed=True)
    assert restored.key == authenticator.key
    assert check_code(editor, current_totp_code(restored)) == (restored, None)
    device, _ = check_code(editor, recovery_codes[0])
    assert isinstance(device, StaticDevice) and device.user_id == editor.pk
    assert device.token_set.count() == len(recovery_codes) - 1


@pytest.mark.django_db(transaction=True)
def test_restoring_into_a_database_with_stories_is_refused(newsroom, tmp_path):
    path = tmp_path / "backup.zip"
    call_command("export_archive", str(path), stdout=StringIO())
    count = Article.objects.count()
    with pytest.raises(CommandError, match="empty"):
        call_command("import_archive", str(path), stdout=StringIO())
    assert Article.objects.count() == count


@pytest.mark.django_db
def test_a_file_that_is_not_an_archive_is_refused(tmp_path):
    path = tmp_path / "not.zip"
    path.write_text("hello")
    with pytest.raises(CommandError, match="not a readable archive"):
        call_command("import_archive", str(path))
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("manifest.json", '{"format": "something-else", "version": 1}')
        archive.writestr("data.json", "[]")
    with pytest.raises(CommandError, match="is not a newsroom-archive"):
        call_command("import_archive", str(other))
