"""export_archive and import_archive (articles/backups.py): a round trip loses nothing, Arabic
byte for byte; a restore writes only its own tables, only into an empty database, and announces
itself once.

Run on SQLite and on PostgreSQL (DATABASE_URL=postgres://...): the two refuse different things
at different moments (PostgreSQL checks lengths and NUL characters itself), and a restore must
refuse the same archives on both.
"""

import zipfile
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import check_code, replace_recovery_codes
from articles import backups
from articles.backups import DATA, export_archive, written_tables
from articles.models import Article, Autosave, PreviewLink, PreviewOpening, ReviewedSegment
from articles.roles import EDITOR
from articles.search import SEARCH_TABLE, search_articles
from public import caching
from tests.articles.backups.archives import (
    export_version_1,
    read_archive,
    restore,
    snapshot,
    table_counts,
    wipe,
    write_archive,
)
from tests.conftest import confirmed_totp_device, current_totp_code, password_only_login
from tests.factories import ArticleFactory, UserFactory

# Round trips --------------------------------------------------------------------------------------


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
    with zipfile.ZipFile(path) as archive:
        # Search vectors are recomputed on restore, not carried (SQLite has none to give).
        assert b"search_vector" not in archive.read(DATA[2])

    wipe()
    default_storage.delete(image_name)
    assert not Article.objects.exists()

    empty = table_counts()
    restore(path)
    assert snapshot() == before
    # Every table the restore wrote is one it checked for rows first; SQLite's search index (the
    # FTS5 table and the tables it keeps itself) is not restored but made again from the stories,
    # and so are the planner's statistics (sqlite_stat1, newsroom/sqlite.py).
    index = [SEARCH_TABLE] + [f"{SEARCH_TABLE}_{part}" for part in ("data", "idx", "docsize")]
    index += [f"{SEARCH_TABLE}_{part}" for part in ("content", "config")] + ["sqlite_stat1"]
    changed = {
        table
        for table, count in table_counts().items()
        if count != empty[table] and table not in index
    }
    assert changed
    assert changed <= set(written_tables())
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
    assert response.status_code == 302
    assert "/admin/2fa/verify/" in response["Location"]
    restored = TOTPDevice.objects.get(pk=authenticator.pk, user=editor, confirmed=True)
    assert restored.key == authenticator.key
    assert check_code(editor, current_totp_code(restored)) == (restored, None)
    device, _ = check_code(editor, recovery_codes[0])
    assert isinstance(device, StaticDevice)
    assert device.user_id == editor.pk
    assert device.token_set.count() == len(recovery_codes) - 1


@pytest.mark.django_db(transaction=True)
def test_an_archive_of_an_older_release_restores_without_its_superusers(newsroom, tmp_path):
    UserFactory(username="admin", is_superuser=True)
    helper = UserFactory(username="helper")
    helper.user_permissions.add(Permission.objects.get(codename="change_user"))
    before = snapshot()
    path = tmp_path / "old.zip"
    export_version_1(path)
    image_name = Article.objects.exclude(lead_image=None).get().lead_image.file.name
    wipe()
    default_storage.delete(image_name)

    out = restore(path)

    assert "admin, helper" in out
    after = snapshot()
    assert after.pop("auth.User") != before.pop("auth.User")
    assert after == before
    assert not get_user_model().objects.filter(is_superuser=True).exists()
    assert not Permission.objects.filter(user__username="helper").exists()
    assert (
        get_user_model()
        .objects.get(username="admin")
        .check_password("correct horse battery staple")
    )


@pytest.mark.django_db(transaction=True)
def test_superusers_are_archived_as_ordinary_accounts(tmp_path):
    UserFactory(username="operator", is_superuser=True)
    UserFactory(username="noura", role=EDITOR)
    path = tmp_path / "backup.zip"
    out = StringIO()
    call_command("export_archive", str(path), stdout=out)
    assert "operator." in out.getvalue()
    wipe()

    restore(path)

    operator = get_user_model().objects.get(username="operator")
    assert operator.is_staff
    assert not operator.is_superuser
    assert get_user_model().objects.get(username="noura").groups.get().name == EDITOR


# Rule 1: only into an empty database ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_restoring_into_a_database_with_stories_is_refused(newsroom, tmp_path):
    path = tmp_path / "backup.zip"
    call_command("export_archive", str(path), stdout=StringIO())
    count = Article.objects.count()
    with pytest.raises(CommandError, match="empty"):
        call_command("import_archive", str(path), stdout=StringIO())
    assert Article.objects.count() == count


@pytest.mark.django_db
def test_a_restore_never_overwrites_the_operators_account(tmp_path):
    # The archive's only account has the id the operator's superuser has here.
    with transaction.atomic():
        UserFactory(username="noura")
        export_archive(tmp_path / "backup.zip")
        transaction.set_rollback(True)
    get_user_model().objects.create_superuser("operator", "op@newsroom.test", "s3cret-enough")
    before = table_counts()

    with pytest.raises(CommandError, match=r"before createsuperuser.*rows in auth_user\."):
        call_command("import_archive", str(tmp_path / "backup.zip"), stdout=StringIO())

    operator = get_user_model().objects.get()
    assert operator.username == "operator"
    assert operator.is_superuser
    assert operator.check_password("s3cret-enough")
    assert table_counts() == before


class Rollback(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_row_in_any_table_a_restore_writes_refuses_it_and_names_the_table(newsroom, tmp_path):
    editor = get_user_model().objects.get(username="editor")
    confirmed_totp_device(editor)
    replace_recovery_codes(editor)
    editor.user_permissions.add(Permission.objects.get(codename="view_article"))
    ReviewedSegment.objects.create(
        article=newsroom, key="headline", source_fingerprint="0" * 64, reviewed_by=editor
    )
    # Unsaved typing is kept in an archive too: a restore must not lose it.
    Autosave.objects.create(user=editor, key=str(newsroom.pk), article=newsroom, data={})
    # A preview link shared with a source, and its one opening.
    link = PreviewLink.objects.create(
        article=newsroom,
        key="a-key-for-the-archive",
        created_by=editor,
        expires_at=timezone.now() + timedelta(days=1),
    )
    PreviewOpening.objects.create(link=link)
    path = tmp_path / "backup.zip"
    export_archive(path)
    counts = table_counts()
    tables = written_tables()
    occupied = [table for table in tables if counts[table]]
    # Every table but one is left with rows by the newsroom above: the interview's history.
    assert set(tables) - set(occupied) <= {"interviews_historicalinterview"}

    quote = connection.ops.quote_name
    for table in occupied:
        # Only `table` keeps its rows; the foreign keys are checked at commit, which never comes.
        with pytest.raises(Rollback), transaction.atomic():
            with connection.cursor() as cursor:
                for other in tables:
                    if other != table:
                        cursor.execute(f"DELETE FROM {quote(other)}")
            with pytest.raises(CommandError) as refused:
                call_command("import_archive", str(path), stdout=StringIO())
            assert str(refused.value).endswith(f"rows in {table}.")
            raise Rollback
    assert table_counts() == counts


@pytest.mark.django_db
def test_a_restore_refuses_to_write_a_table_it_did_not_check(tmp_path, monkeypatch):
    with transaction.atomic():
        ArticleFactory(tags=["Raqqa"])
        export_archive(tmp_path / "backup.zip")
        transaction.set_rollback(True)
    unchecked = [table for table in written_tables() if table != "taggit_taggeditem"]
    monkeypatch.setattr(backups.restore, "written_tables", lambda: unchecked)
    before = table_counts()

    with pytest.raises(CommandError, match="would write taggit_taggeditem, a table it does not"):
        call_command("import_archive", str(tmp_path / "backup.zip"), stdout=StringIO())
    assert table_counts() == before


# Rule 2: only its own models -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_row_of_another_model_refuses_the_whole_archive(tmp_path):
    with transaction.atomic():
        ArticleFactory()
        export_archive(tmp_path / "backup.zip")
        transaction.set_rollback(True)
    parts = read_archive(tmp_path / "backup.zip")
    parts.records.append(
        {
            "model": "sessions.session",
            "pk": "k" * 32,
            "fields": {"session_data": "e30:1t", "expire_date": "2999-01-01T00:00:00Z"},
        }
    )
    write_archive(tmp_path / "with-session.zip", parts)

    with pytest.raises(CommandError, match=r"a row of sessions\.session, a model import_archive"):
        call_command("import_archive", str(tmp_path / "with-session.zip"), stdout=StringIO())
    assert not Session.objects.exists()
    assert not Article.objects.exists()


# Rule 5: the restore announces itself once --------------------------------------------------------


@pytest.mark.django_db
def test_a_restore_forgets_cached_pages_once_and_fills_search_vectors(
    tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        ArticleFactory.create_batch(3, byline_count=2, tags=["Raqqa"])
        ArticleFactory(published=True, headline="Flour mills reopen")
        export_archive(tmp_path / "backup.zip")
        transaction.set_rollback(True)
    forgotten = []
    monkeypatch.setattr(caching, "_forget_version", lambda: forgotten.append("version"))
    # A restore may take stories away from readers: the previous version goes too.
    monkeypatch.setattr(
        caching, "_forget_version_and_the_previous", lambda: forgotten.append("and previous")
    )

    with django_capture_on_commit_callbacks(execute=True):
        restore(tmp_path / "backup.zip")

    assert forgotten == ["and previous"] * 2  # at once, and again when the restore commits
    # Search holds the restored stories, on either database.
    assert [a.headline for a in search_articles("mill")] == ["Flour mills reopen"]
    if connection.vendor == "postgresql":
        assert not Article.objects.filter(search_vector=None).exists()
        assert Article.objects.filter(search_vector="headline").exists()
