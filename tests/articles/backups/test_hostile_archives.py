"""Hostile archives (articles/backups.py): each refused in one line, on SQLite and PostgreSQL
alike, leaving no rows and no files behind."""

import copy
import json
import re
import zipfile
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import transaction

from accounts.two_factor import replace_recovery_codes
from articles.backups import export_archive
from articles.models import Article
from articles.roles import EDITOR
from tests.articles.backups.archives import (
    Parts,
    media_listing,
    read_archive,
    restore,
    table_counts,
    write_archive,
)
from tests.conftest import confirmed_totp_device
from tests.factories import ArticleFactory, ImageFactory, UserFactory

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
    assert message.startswith("hostile.zip was not restored: ")
    assert "\n" not in message
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
    assert table_counts() == rows
    assert media_listing() == files


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
