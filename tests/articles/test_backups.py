"""export_archive and import_archive: a round trip loses nothing, Arabic byte for byte; a restore
writes only its own tables, only into an empty database, in bounded memory, and refuses every
hostile archive with one line, leaving no rows and no files behind.

Run on SQLite and on PostgreSQL (DATABASE_URL=postgres://...): the two refuse different things
at different moments (PostgreSQL checks lengths and NUL characters itself), and a restore must
refuse the same archives on both.
"""

import copy
import json
import re
import time
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.core import serializers
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import check_code, replace_recovery_codes
from articles import backups, changes, workflow
from articles.backups import (
    DATA,
    ExactJSONEncoder,
    archived_models,
    export_archive,
    written_tables,
)
from articles.importer import import_story_file
from articles.models import Article, Autosave, Correction, ReviewedSegment
from articles.roles import EDITOR
from bench.seeding import seed_archive
from public import caching
from tests.articles.test_importer import RAQQA, SAMPLE
from tests.conftest import confirmed_totp_device, current_totp_code, password_only_login
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    ImageFactory,
    SectionFactory,
    UserFactory,
)


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


def table_counts() -> dict[str, int]:
    """Rows in every table of the database, ours or not."""
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def media_listing() -> list[str]:
    """Every file and folder in media storage."""
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def restore(path: Path) -> str:
    out = StringIO()
    call_command("import_archive", str(path), stdout=out)
    return out.getvalue()


@pytest.fixture
def newsroom(editor, reporter):
    sample = import_story_file(SAMPLE, by=editor).article
    # Ready to go live (articles/checklist.py): the file names neither a section nor a credit.
    changes.edit_story(
        sample,
        changes.StoryChanges(
            fields={"section": SectionFactory(name="Syria")},
            bylines=[changes.BylineRow(role="interviewer", name="Moutasem Jamal")],
        ),
        by=editor,
    )
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
    # Every table the restore wrote is one it checked for rows first.
    changed = {table for table, count in table_counts().items() if count != empty[table]}
    assert changed and changed <= set(written_tables())
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


def export_version_1(path: Path) -> None:
    """An archive as releases before format 2 wrote it: one JSON array holding every row, the
    search vectors and the accounts' superuser status included."""
    objects = [row for model in archived_models() for row in model._base_manager.order_by("pk")]
    data = serializers.serialize(
        "json", objects, cls=ExactJSONEncoder, use_natural_foreign_keys=True, ensure_ascii=False
    )
    media = sorted({a.lead_image.file.name for a in Article.objects.exclude(lead_image=None)})
    counts = {m._meta.label: m._base_manager.count() for m in archived_models()}
    manifest = {"format": "newsroom-archive", "version": 1, "counts": counts, "media": media}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("data.json", data)
        for name in media:
            archive.writestr(f"media/{name}", default_storage.open(name, "rb").read())


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
    assert operator.is_staff and not operator.is_superuser
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

    with pytest.raises(CommandError, match=r"rows in auth_user; .*before createsuperuser"):
        call_command("import_archive", str(tmp_path / "backup.zip"), stdout=StringIO())

    operator = get_user_model().objects.get()
    assert operator.username == "operator" and operator.is_superuser
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
            assert f"rows in {table};" in str(refused.value)
            raise Rollback
    assert table_counts() == counts


@pytest.mark.django_db
def test_a_restore_refuses_to_write_a_table_it_did_not_check(tmp_path, monkeypatch):
    with transaction.atomic():
        ArticleFactory(tags=["Raqqa"])
        export_archive(tmp_path / "backup.zip")
        transaction.set_rollback(True)
    unchecked = [table for table in written_tables() if table != "taggit_taggeditem"]
    monkeypatch.setattr(backups, "written_tables", lambda: unchecked)
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

    with pytest.raises(CommandError, match="a row of sessions.session, a model import_archive"):
        call_command("import_archive", str(tmp_path / "with-session.zip"), stdout=StringIO())
    assert not Session.objects.exists() and not Article.objects.exists()


# Rule 5: the restore announces itself once --------------------------------------------------------


@pytest.mark.django_db
def test_a_restore_forgets_cached_pages_once_and_fills_search_vectors(
    tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        ArticleFactory.create_batch(3, byline_count=2, tags=["Raqqa"])
        export_archive(tmp_path / "backup.zip")
        transaction.set_rollback(True)
    forgotten = []
    monkeypatch.setattr(caching, "_forget_version", lambda: forgotten.append(1))

    with django_capture_on_commit_callbacks(execute=True):
        restore(tmp_path / "backup.zip")

    assert len(forgotten) == 2  # at once, and again when the restore commits
    if connection.vendor == "postgresql":
        assert not Article.objects.filter(search_vector=None).exists()
        assert Article.objects.filter(search_vector="headline").exists()


# Rule 3: memory ---------------------------------------------------------------------------------


def peak_memory(action: Callable[[], object]) -> int:
    """The most memory Python held at once while `action` ran, in bytes."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.django_db
def test_a_small_archive_that_expands_hugely_is_refused_at_once_in_little_memory(tmp_path):
    # 300 MB of rows in a zip of about 300 KB: what a restore reading data.json whole would hold.
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        manifest = {"format": "newsroom-archive", "version": 1, "counts": {}, "media": []}
        archive.writestr("manifest.json", json.dumps(manifest))
        with archive.open("data.json", "w") as data:
            data.write(b"[")
            for _ in range(300):
                data.write(b" " * 1024 * 1024)
            data.write(b"]")
    assert path.stat().st_size < 400 * 1024

    def refuse():
        with pytest.raises(CommandError, match="data.json expands 1,0[0-9]{2} times"):
            call_command("import_archive", str(path), stdout=StringIO())

    started = time.monotonic()
    assert peak_memory(refuse) < 5 * 1024 * 1024
    assert time.monotonic() - started < 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("version", [1, 2])
def test_export_and_restore_stream_in_bounded_memory(tmp_path, version):
    # 400 stories are about 3 MB of rows. Reading and writing them whole, as format 1 was, took
    # 13 MB to restore and 20 MB to export; a row at a time, both stay near 3 MB.
    seed_archive(stories=400, seed=7, progress=None)
    rows = sum(model._base_manager.count() for model in archived_models())
    path = tmp_path / "backup.zip"
    if version == 2:
        assert peak_memory(lambda: export_archive(path)) < 6 * 1024 * 1024
    else:
        export_version_1(path)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(DATA[version]).file_size > 2.5 * 1024 * 1024
    wipe()

    assert peak_memory(lambda: restore(path)) < 6 * 1024 * 1024
    assert sum(model._base_manager.count() for model in archived_models()) == rows


# Rule 4: hostile archives ----------------------------------------------------------------------


@dataclass
class Parts:
    """An archive taken apart, to be changed and written back."""

    manifest: dict
    records: list[dict]
    media: dict[str, bytes]
    version: int = 2
    data: bytes | None = None  # instead of the records
    omit: set[str] = field(default_factory=set)
    extra: list[tuple[zipfile.ZipInfo | str, bytes]] = field(default_factory=list)
    damage: Callable[[bytes], bytes] | None = None  # applied to the finished zip
    limits: dict[str, int] = field(default_factory=dict)  # settings the restore runs under


def read_archive(path: Path) -> Parts:
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        lines = archive.read(DATA[2]).decode().splitlines()
        media = {name: archive.read(f"media/{name}") for name in manifest["media"]}
    return Parts(manifest, [json.loads(line) for line in lines], media)


def write_archive(path: Path, parts: Parts) -> Path:
    if parts.data is not None:
        data = parts.data
    elif parts.version == 1:
        data = json.dumps(parts.records, ensure_ascii=False).encode()
    else:
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in parts.records).encode()
    members = {"manifest.json": json.dumps(parts.manifest).encode(), DATA[parts.version]: data}
    with warnings.catch_warnings():  # a duplicate member, on purpose
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, content in members.items():
                if name not in parts.omit:
                    archive.writestr(name, content)
            for name, content in parts.media.items():
                # Stored, not deflated, so that a test can damage the bytes it knows.
                if f"media/{name}" not in parts.omit:
                    archive.writestr(f"media/{name}", content, compress_type=zipfile.ZIP_STORED)
            for info, content in parts.extra:
                archive.writestr(info, content)
    if parts.damage:
        path.write_bytes(parts.damage(path.read_bytes()))
    return path


_SMALL_NEWSROOM: list[Parts] = []


def small_newsroom(settings, tmp_path) -> Parts:
    """A story with a picture, a byline and tags, by an editor with both second factors: the
    archive every hostile one below is made from (exported once, then copied)."""
    if not _SMALL_NEWSROOM:
        media_root = settings.MEDIA_ROOT
        settings.MEDIA_ROOT = tmp_path / "elsewhere"
        with transaction.atomic():
            editor = UserFactory(username="noura", role=EDITOR)
            confirmed_totp_device(editor)
            replace_recovery_codes(editor)
            ArticleFactory(
                lead_image=ImageFactory(), tags=["Raqqa"], byline_count=1, created_by=editor
            )
            export_archive(tmp_path / "small.zip")
            transaction.set_rollback(True)
        settings.MEDIA_ROOT = media_root
        _SMALL_NEWSROOM.append(read_archive(tmp_path / "small.zip"))
    return copy.deepcopy(_SMALL_NEWSROOM[0])


def row(parts: Parts, label: str) -> dict:
    return next(r for r in parts.records if r["model"] == label)


def image_name(parts: Parts) -> str:
    return parts.manifest["media"][0]


def rename_image(parts: Parts, name: str) -> None:
    old = image_name(parts)
    row(parts, "articles.image")["fields"]["file"] = name
    parts.manifest["media"] = [name]
    parts.media = {name: parts.media.pop(old)}


def version_1(parts: Parts) -> Parts:
    parts.version = 1
    parts.manifest["version"] = 1
    return parts


def many_members(parts: Parts) -> None:
    parts.limits["ARCHIVE_MAX_FILES"] = 10
    parts.extra += [(f"media/tiny/{n}", b"") for n in range(40)]


def symlink(parts: Parts) -> None:
    info = zipfile.ZipInfo("media/images/link.png")
    info.external_attr = 0o120777 << 16
    parts.extra.append((info, b"/etc/passwd"))


def encrypted(parts: Parts) -> None:
    name = b"media/images/secret.png"
    parts.extra.append((name.decode(), b"not really"))

    def mark_encrypted(zipped: bytes) -> bytes:
        # The zip module writes no encrypted members: set the flag in the central directory.
        entry = zipped.rindex(name) - 46
        assert zipped[entry : entry + 4] == b"PK\x01\x02"
        return zipped[: entry + 8] + bytes([zipped[entry + 8] | 0x1]) + zipped[entry + 9 :]

    parts.damage = mark_encrypted


def corrupt_image(parts: Parts) -> None:
    picture = parts.media[image_name(parts)]
    damaged = picture[:-20] + bytes(b ^ 0xFF for b in picture[-20:])
    parts.damage = lambda zipped: zipped.replace(picture, damaged)


def nul(parts: Parts) -> None:
    row(parts, "articles.article")["fields"]["headline"] = "Truce\x00 holds"


def superuser(parts: Parts) -> None:
    fields = row(parts, "auth.user")["fields"]
    fields["is_superuser"] = True
    # md5$salt$hash of "letmein": a password its maker knows, for an account the admin trusts.
    fields["password"] = "md5$salt$b6f0f1f1d1bd1d9f1e76f0ee1e1d0c2e"


def long_row(parts: Parts) -> None:
    parts.limits["ARCHIVE_MAX_ROW_BYTES"] = 2000
    row(parts, "articles.article")["fields"]["body"] = "<p>" + "word " * 1000 + "</p>"


HOSTILE: dict[str, tuple[Callable[[Parts], object], str]] = {
    # The zip itself
    "not a zip": (lambda p: setattr(p, "damage", lambda _: b"hello"), "not a readable archive"),
    "a zip cut short": (
        lambda p: setattr(p, "damage", lambda z: z[: len(z) // 2]),
        "not a readable",
    ),
    "no manifest": (lambda p: p.omit.add("manifest.json"), "no manifest.json"),
    "no data": (lambda p: p.omit.add("data.jsonl"), "no data.jsonl"),
    "a member no archive has": (lambda p: p.extra.append(("notes.txt", b"hi")), "no archive holds"),
    "a member the manifest omits": (
        lambda p: p.extra.append(("media/images/extra.png", b"x")),
        "the manifest does not list",
    ),
    "a member twice": (lambda p: p.extra.append(("manifest.json", b"{}")), "manifest.json twice"),
    "a directory entry": (lambda p: p.extra.append(("media/images/", b"")), "a directory entry"),
    "a symbolic link": (symlink, "a symbolic link"),
    "an encrypted member": (encrypted, "encrypted"),
    "a zip bomb member": (
        lambda p: p.extra.append(("media/bomb.png", bytes(20 * 1024 * 1024))),
        "expands 1,0[0-9]{2} times",
    ),
    "a huge number of tiny members": (many_members, "members; at most 12"),
    "damaged picture bytes": (corrupt_image, "Bad CRC-32"),
    # The manifest
    "manifest not JSON": (
        lambda p: p.extra.append(("manifest.json", b"{")) or p.omit.add("manifest.json"),
        "manifest.json is not JSON",
    ),
    "manifest not an object": (
        lambda p: setattr(p, "manifest", ["newsroom-archive", 2]),
        "not a JSON object",
    ),
    "another format": (lambda p: p.manifest.update(format="tarball"), "not a newsroom-archive"),
    "a later version": (lambda p: p.manifest.update(version=3), "not a newsroom-archive"),
    "version as text": (lambda p: p.manifest.update(version="2"), "not a newsroom-archive"),
    "version 1 with version 2 data": (
        lambda p: p.manifest.update(version=1),
        "no data.json",
    ),
    "counts that are not counts": (lambda p: p.manifest.update(counts=[1]), "counts are not"),
    "counts that disagree": (
        lambda p: p.manifest["counts"].update({"articles.Article": 2}),
        "counts 2 rows of articles.article; the data holds 1",
    ),
    "media not a list": (lambda p: p.manifest.update(media="a.png"), "not a list of file names"),
    # The rows, as lines
    "data not JSON": (lambda p: setattr(p, "data", b"model: article\n"), "line 1 of data.jsonl is"),
    "data cut short": (
        lambda p: setattr(p, "data", b'{"model": "articles.section", "pk": 1, "fie'),
        "line 1 of data.jsonl is not JSON",
    ),
    "data not UTF-8": (lambda p: setattr(p, "data", b'{"model": "\xff\xfe"}\n'), "not UTF-8"),
    "a line that is a list": (lambda p: setattr(p, "data", b"[1, 2]\n"), "not a JSON object"),
    "a line nested too deep": (
        lambda p: setattr(p, "data", b"[" * 100_000 + b"\n"),
        "line 1 of data.jsonl is not JSON",
    ),
    "a line longer than a row may be": (long_row, "longer than 2,000 bytes"),
    # The rows, as one array (format 1)
    "array cut short": (
        lambda p: setattr(version_1(p), "data", b'[{"model": "articles.section", "pk": 1'),
        "object 1 of data.json is not JSON or is cut short",
    ),
    "array not a list": (
        lambda p: setattr(version_1(p), "data", b'{"model": "articles.section"}'),
        "data.json is not a JSON array",
    ),
    "array without its end": (
        lambda p: setattr(version_1(p), "data", json.dumps(p.records).encode()[:-1]),
        "ends before its array does",
    ),
    "array with more after it": (
        lambda p: setattr(version_1(p), "data", json.dumps(p.records).encode() + b" []"),
        "goes on after its array ends",
    ),
    "array not UTF-8": (lambda p: setattr(version_1(p), "data", b'["\xff"]'), "not UTF-8"),
    "an element longer than a row may be": (
        lambda p: long_row(version_1(p)),
        "object [0-9]+ of data.json is longer than 2,000 bytes",
    ),
    "an element that is no object": (
        lambda p: setattr(version_1(p), "data", b'[{"model": "taggit.tag"}, 7]'),
        'object 1 of data.json: a row has no "pk"',
    ),
    # Rows shaped wrong
    "a row without a model": (lambda p: row(p, "taggit.tag").pop("model"), 'no "model"'),
    "a row without fields": (lambda p: row(p, "taggit.tag").pop("fields"), 'no "fields"'),
    "a row without a pk": (lambda p: row(p, "taggit.tag").pop("pk"), 'no "pk"'),
    "a row with a null pk": (lambda p: row(p, "taggit.tag").update(pk=None), "no usable pk"),
    "a row with another key": (lambda p: row(p, "taggit.tag").update(x=1), "keys other than"),
    "fields not an object": (
        lambda p: row(p, "taggit.tag").update(fields=[]),
        "are not a JSON object",
    ),
    "a field the model lacks": (
        lambda p: row(p, "taggit.tag")["fields"].update(colour="red"),
        r"taggit.tag lacks: \['colour'\]",
    ),
    # Rows of models a restore does not write
    "an unknown model": (lambda p: row(p, "taggit.tag").update(model="articles.nothing"), ""),
    **{
        f"a row of {label}": (
            lambda p, label=label: row(p, "taggit.tag").update(model=label),
            "",
        )
        for label in (
            "sessions.session",
            "auth.group",
            "auth.permission",
            "admin.logentry",
            "contenttypes.contenttype",
        )
    },
    # Values
    "text where a number goes": (
        lambda p: row(p, "articles.byline")["fields"].update(position="first"),
        "must be an integer",
    ),
    "text where a time goes": (
        lambda p: row(p, "articles.article")["fields"].update(created_at="yesterday"),
        "invalid format",
    ),
    "a headline longer than its column": (
        lambda p: row(p, "articles.article")["fields"].update(headline="x" * 301),
        "301 characters in headline",
    ),
    "a status that is no status": (
        lambda p: row(p, "articles.article")["fields"].update(status="hacked"),
        "'hacked' in status, not a choice",
    ),
    "a number too large for its column": (
        lambda p: row(p, "articles.byline")["fields"].update(position=2**70),
        "(OverflowError|DataError)",
    ),
    "a NUL character in text": (nul, "NUL character in headline"),
    "a key to a missing row": (
        lambda p: row(p, "articles.byline")["fields"].update(article=999_999),
        "foreign key",
    ),
    "a natural key to a missing account": (
        lambda p: row(p, "articles.article")["fields"].update(created_by=["nobody"]),
        "does not exist",
    ),
    "a natural key to a missing group": (
        lambda p: row(p, "auth.user")["fields"].update(groups=[["Owners"]]),
        "does not exist",
    ),
    "two rows with one pk": (
        lambda p: p.records.insert(0, copy.deepcopy(row(p, "taggit.tag"))),
        "IntegrityError",
    ),
    "a superuser with a known password": (superuser, "superuser"),
    "permissions over accounts": (
        lambda p: row(p, "auth.user")["fields"].update(
            user_permissions=[["change_user", "auth", "user"]]
        ),
        "permissions over accounts",
    ),
    # Files
    "a media name climbing out": (
        lambda p: rename_image(p, "../../settings.py"),
        "outside the media",
    ),
    "an absolute media name": (lambda p: rename_image(p, "/etc/passwd"), "outside the media"),
    "a row naming a file outside": (
        lambda p: row(p, "articles.image")["fields"].update(file="../x.png"),
        "outside the media folder",
    ),
    "a media file no row names": (
        lambda p: (
            p.manifest["media"].append("images/extra.png")
            or p.media.update({"images/extra.png": b"x"})
        ),
        "images/extra.png is named by no row",
    ),
    "a media file the manifest names but the zip lacks": (
        lambda p: p.omit.add(f"media/{image_name(p)}"),
        "is missing from the zip",
    ),
    "a row naming a file the archive lacks": (
        lambda p: row(p, "articles.image")["fields"].update(file="images/other.png"),
        "which the archive lacks",
    ),
}


@pytest.mark.django_db
def test_the_archive_the_hostile_ones_are_made_from_restores(settings, tmp_path):
    path = write_archive(tmp_path / "small.zip", small_newsroom(settings, tmp_path))
    restore(path)
    assert Article.objects.get().lead_image.file.read()[:4] == b"\x89PNG"


@pytest.mark.django_db
@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_a_hostile_archive_is_refused_in_one_line_and_leaves_nothing(settings, tmp_path, case):
    change, expected = HOSTILE[case]
    parts = small_newsroom(settings, tmp_path)
    change(parts)
    path = write_archive(tmp_path / "hostile.zip", parts)
    for name, value in parts.limits.items():
        setattr(settings, name, value)
    rows, files = table_counts(), media_listing()

    with pytest.raises(CommandError) as refused:
        call_command("import_archive", str(path), stdout=StringIO())

    message = str(refused.value)
    assert message.startswith("hostile.zip was not restored: ") and "\n" not in message
    if expected:
        assert re.search(expected, message), message
    else:
        assert "a model import_archive does not restore" in message
    assert table_counts() == rows
    assert media_listing() == files


@pytest.mark.django_db
def test_a_file_already_in_media_storage_refuses_the_restore(settings, tmp_path):
    parts = small_newsroom(settings, tmp_path)
    default_storage.save(image_name(parts), StringIO("someone else's"))
    path = write_archive(tmp_path / "small.zip", parts)
    rows, files = table_counts(), media_listing()
    with pytest.raises(CommandError, match="media storage already holds"):
        call_command("import_archive", str(path), stdout=StringIO())
    assert table_counts() == rows and media_listing() == files


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
