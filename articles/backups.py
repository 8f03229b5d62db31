"""Portable archives of everything the newsroom has written, for backup and for moving databases.

An archive is one zip file: manifest.json (format, version, when, counts, the media it carries),
data.jsonl (every row of the newsroom's own models, their tags and the accounts they refer to,
with those accounts' second factors: one Django-serialized object per line) and media/ (the
uploaded files those rows name). It is independent of the database engine, so an archive made on
SQLite restores on PostgreSQL and the other way round.

Format version 2 writes the rows as JSON Lines, so that both sides stream: export writes a row at
a time and import reads one line at a time, its memory bounded by the longest row rather than by
the archive. Version 1 (older releases: data.json, one JSON array) is still restored, read object
by object with the same bound.

A restore writes only the tables of archived_models() (and their accounts' group and permission
links), only into a database where all of them are empty, and checks the archive before and while
it reads it: a malformed, oversized or hostile archive is refused with one line, and nothing of it
stays behind, neither rows nor files. Restored accounts keep their staff flag, groups, passwords and
second factors; no restore makes a superuser or gives an account power over accounts (see
_without_powers()): the operator creates their own superuser once the restore is done.

The second factors are authenticator secrets and unused recovery codes, as they are in the
database: an archive must be kept as safe as the database itself, and restored only if it is one
the newsroom made.
"""

import codecs
import datetime
import io
import json
import os
import stat
import struct
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist, SuspiciousOperation, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError, DeserializedObject
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Deserializer as PythonDeserializer
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from . import changes

FORMAT = "newsroom-archive"
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
# The member holding the rows, by format version.
DATA = {1: "data.json", 2: "data.jsonl"}
MEDIA = "media/"
# Our apps, whole; plus the tags and the accounts our rows point at. The accounts go with their
# two-factor devices (newsroom/two_factor.py): restored without them, every editor would be
# asked to enrol a new authenticator, which anyone holding only the password could then do.
OWN_APPS = ("articles", "interviews")
EXTRA_MODELS = (
    "auth.User",
    "otp_totp.TOTPDevice",
    "otp_static.StaticDevice",
    "otp_static.StaticToken",
    "taggit.Tag",
    "taggit.TaggedItem",
)
# Columns computed from other rows: left out of an archive, and recomputed after a restore (a
# PostgreSQL search vector means nothing to SQLite, and an archive's own could be anything).
DERIVED_FIELDS = {"articles.article": ("search_vector",)}
# Rows read per database query on export, and written per INSERT on restore; a restore also
# writes its batch once the rows in it came to BATCH_BYTES of JSON, so that stories with long
# texts make smaller batches and memory stays flat whatever the rows hold.
BATCH_SIZE = 200
BATCH_BYTES = 1024 * 1024
# A member smaller than this is never refused for its compression ratio: a short run of spaces
# compresses well without being a bomb.
RATIO_FLOOR = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What import_archive accepts; each can be raised in settings for an unusually large
    newsroom. A zip's members are checked against these before anything is decompressed."""

    files: int  # media files, so members are at most this plus the manifest and the data
    file_bytes: int  # one media file, uncompressed
    data_bytes: int  # the rows, uncompressed
    row_bytes: int  # one serialized row: what a restore holds in memory at once
    ratio: int  # uncompressed size over compressed size, per member and in total

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            files=getattr(settings, "ARCHIVE_MAX_FILES", 200_000),
            file_bytes=getattr(settings, "ARCHIVE_MAX_FILE_BYTES", 256 * 1024 * 1024),
            data_bytes=getattr(settings, "ARCHIVE_MAX_DATA_BYTES", 32 * 1024**3),
            row_bytes=getattr(settings, "ARCHIVE_MAX_ROW_BYTES", 16 * 1024 * 1024),
            ratio=getattr(settings, "ARCHIVE_MAX_RATIO", 100),
        )

    @property
    def manifest_bytes(self) -> int:
        # The manifest lists every media file by name (a FileField name is at most 100
        # characters, a few bytes each); the rest of it is small.
        return 64 * 1024 + self.files * 512


class ExactJSONEncoder(DjangoJSONEncoder):
    """Times to the microsecond, as the database keeps them.

    Django's encoder stops at the millisecond: every restored timestamp would move a little, and
    one of .000412 s would come back as .000, no longer the same in a serialized comparison.
    """

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class ArchiveError(Exception):
    """The archive cannot be written or restored; the message says why, in one line."""


@dataclass
class ArchiveSummary:
    path: Path
    counts: dict[str, int]
    files: int
    # Accounts written or restored without superuser status or permissions over accounts.
    demoted: list[str] = field(default_factory=list)


def archived_models() -> list[type[models.Model]]:
    """Every model whose rows go into an archive, each after the models its foreign keys name."""
    chosen = [m for label in OWN_APPS for m in apps.get_app_config(label).get_models()]
    chosen += [apps.get_model(dotted) for dotted in EXTRA_MODELS]
    ordered: list[type[models.Model]] = []
    remaining = list(chosen)
    while remaining:
        for model in remaining:
            targets = {
                field.related_model
                for field in model._meta.concrete_fields
                if field.is_relation and field.related_model is not model
            }
            if not (targets & set(remaining)):
                break
        else:  # a cycle: take the first one; deferred constraints hold it together on restore
            model = remaining[0]
        ordered.append(model)
        remaining.remove(model)
    return ordered


def written_tables() -> list[str]:
    """Every table a restore writes: the archived models' own, and the link tables of their
    many-to-many fields (an account's groups and permissions)."""
    tables = []
    for model in archived_models():
        tables.append(model._meta.db_table)
        tables += [through._meta.db_table for through in _link_models(model)]
    return tables


def _link_models(model: type[models.Model]) -> list[type[models.Model]]:
    return [
        f.remote_field.through
        for f in model._meta.many_to_many
        if f.remote_field.through._meta.auto_created
    ]


def _file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


# Export ------------------------------------------------------------------------------------------


def export_archive(path: str | Path) -> ArchiveSummary:
    """Write the archive to `path`, replacing it only once the new one is complete.

    Rows are read in batches and written to the zip as they come, and media files are copied in
    chunks, so memory stays flat however large the newsroom is. Accounts are written without
    superuser status or permissions over accounts, which no restore grants; the summary names
    the accounts that had them.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".archive-", suffix=".zip", dir=path.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            member = archive.open(DATA[FORMAT_VERSION], "w", force_zip64=True)
            # Buffered: the zip compresses and checksums each write it is given, line or not.
            with io.BufferedWriter(member, buffer_size=256 * 1024) as data:
                counts, media, demoted = _write_rows(data)
            for name in sorted(media):
                _copy_file(name, archive)
            manifest = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "created_at": timezone.now().isoformat(),
                "counts": counts,
                "media": sorted(media),
            }
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return ArchiveSummary(path=path, counts=counts, files=len(media), demoted=demoted)


@contextmanager
def _snapshot():
    """One transaction that sees every table as it was when the export began.

    PostgreSQL's default isolation gives each statement a fresh view, so a story published
    between two tables' reads could arrive without its bylines; repeatable read keeps one view.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _write_rows(out: IO[bytes]) -> tuple[dict[str, int], set[str], list[str]]:
    """Every archived row as one line of JSON on `out`; returns the count per model, the media
    names the rows hold and the accounts written without their powers."""
    counts: dict[str, int] = {}
    media: set[str] = set()
    demoted: list[str] = []
    user_model = get_user_model()
    with _snapshot():
        for model in archived_models():
            serializer = serializers.get_serializer("python")()
            options: dict[str, Any] = {"use_natural_foreign_keys": True}
            derived = DERIVED_FIELDS.get(model._meta.label_lower, ())
            if derived:
                options["fields"] = _serialized_names(model, exclude=derived)
            counts[model._meta.label] = 0
            for rows in _batches(_rows_to_export(model, derived), BATCH_SIZE):
                for record in serializer.serialize(rows, **options):
                    if model is user_model and _without_powers(record):
                        demoted.append(record["fields"]["username"])
                    line = json.dumps(record, cls=ExactJSONEncoder, ensure_ascii=False)
                    out.write(line.encode() + b"\n")
                for file_field in _file_fields(model):
                    media.update(filter(None, (getattr(row, file_field.name).name for row in rows)))
                counts[model._meta.label] += len(rows)
    return counts, media, demoted


def _rows_to_export(model: type[models.Model], derived: Iterable[str]) -> Iterator[models.Model]:
    """The model's rows in id order, a batch per query, with the rows their natural keys name
    (an account's username, a tag's name) joined in rather than fetched one by one."""
    rows = model._base_manager.order_by("pk").defer(*derived)
    by_natural_key = [
        f.name
        for f in model._meta.concrete_fields
        if f.is_relation and hasattr(f.related_model, "natural_key")
    ]
    if by_natural_key:
        rows = rows.select_related(*by_natural_key)
    if model is get_user_model():
        rows = rows.prefetch_related("groups", "user_permissions__content_type")
    return rows.iterator(chunk_size=BATCH_SIZE)


def _serialized_names(model: type[models.Model], *, exclude: Iterable[str]) -> list[str]:
    names = [f.name for f in model._meta.concrete_fields] + [
        f.name for f in model._meta.many_to_many
    ]
    return [name for name in names if name not in exclude]


def _without_powers(record: dict) -> bool:
    """Take superuser status and permissions over accounts off a serialized account.

    A restored account that could edit accounts could make itself a superuser in the admin, so
    the two go together. Returns whether the account had either.
    """
    fields = record["fields"]
    permissions = fields.get("user_permissions") or []
    kept = [p for p in permissions if not _is_account_permission(p)]
    had_powers = bool(fields.get("is_superuser")) or len(kept) != len(permissions)
    fields["is_superuser"] = False
    if "user_permissions" in fields:
        fields["user_permissions"] = kept
    return had_powers


def _is_account_permission(natural_key: list) -> bool:
    # A permission's natural key is [codename, app label, model].
    return len(natural_key) == 3 and natural_key[1] == "auth"


def _copy_file(name: str, archive: zipfile.ZipFile) -> None:
    if not default_storage.exists(name):
        raise ArchiveError(f"The file {name} is named by a row but missing from media.")
    with default_storage.open(name, "rb") as source:
        with archive.open(MEDIA + name, "w", force_zip64=True) as target:
            for chunk in iter(lambda: source.read(1024 * 1024), b""):
                target.write(chunk)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# Import ------------------------------------------------------------------------------------------

# What reading a hostile or damaged archive raises, besides ArchiveError itself: each is turned
# into one line saying the archive was refused. Anything else is a bug here, and keeps its
# traceback.
REFUSALS = (
    DeserializationError,
    ValidationError,
    ObjectDoesNotExist,
    SuspiciousOperation,
    DatabaseError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,  # JSONDecodeError and UnicodeDecodeError among them
    TypeError,
    OverflowError,
    RecursionError,
)


def import_archive(path: str | Path) -> ArchiveSummary:
    """Restore an archive into a freshly migrated database; all or nothing.

    Refuses, with one line, a database where any table the archive writes holds a row (accounts
    included: restore before createsuperuser), and any archive that is malformed, too large for
    the limits in Limits, or holds rows of models outside archived_models().
    """
    path = Path(path)
    limits = Limits.from_settings()
    try:
        with _open_zip(path, limits) as archive:
            version, manifest = _read_manifest(archive, _check_members(archive, limits), limits)
            return _Restore(archive, version, manifest, limits).run(path)
    except ArchiveError as error:
        raise ArchiveError(_one_line(f"{path.name} was not restored: {error}")) from None
    except REFUSALS as error:
        raise ArchiveError(
            _one_line(f"{path.name} was not restored: {type(error).__name__}: {error}")
        ) from None


def _one_line(message: str, limit: int = 500) -> str:
    text = " ".join(message.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _open_zip(path: Path, limits: Limits) -> zipfile.ZipFile:
    """The zip at `path`, once its end record says it holds no more members than allowed (the zip
    module lists every member in memory when it opens a file)."""
    most = limits.files + 2
    try:
        declared = _declared_members(path)
        if declared is not None and declared > most:
            raise ArchiveError(f"the zip declares {declared:,} members; at most {most:,} are read.")
        archive = zipfile.ZipFile(path)
    except ArchiveError:
        raise
    except (OSError, zipfile.BadZipFile, ValueError, EOFError, struct.error) as error:
        raise ArchiveError(f"it is not a readable archive ({error}).") from None
    if len(archive.infolist()) > most:
        archive.close()
        raise ArchiveError(f"the zip holds more than {most:,} members.")
    return archive


def _declared_members(path: Path) -> int | None:
    """How many members a zip's end-of-central-directory record declares; None if there is no
    such record (the zip module then says what is wrong)."""
    with open(path, "rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        start = max(0, size - (22 + 0xFFFF + 20))  # the record, its comment, the zip64 locator
        handle.seek(start)
        tail = handle.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) < at + 22:
            return None
        (entries,) = struct.unpack_from("<H", tail, at + 10)
        locator = at - 20
        if entries != 0xFFFF or locator < 0 or tail[locator : locator + 4] != b"PK\x06\x07":
            return entries
        (offset,) = struct.unpack_from("<Q", tail, locator + 8)
        handle.seek(offset)
        record = handle.read(56)
    if len(record) < 40 or record[:4] != b"PK\x06\x06":
        return None
    return struct.unpack_from("<Q", record, 32)[0]


def _check_members(archive: zipfile.ZipFile, limits: Limits) -> set[str]:
    """The names of the zip's members, once each is a plain file an archive has, within its size
    and compression ratio: read from the zip's directory, before anything is decompressed."""
    seen: set[str] = set()
    total = compressed = 0
    for info in archive.infolist():
        name = info.filename
        if name in seen:
            raise ArchiveError(f"the zip holds {name} twice.")
        seen.add(name)
        if info.is_dir() or stat.S_ISDIR(info.external_attr >> 16):
            raise ArchiveError(f"the zip holds a directory entry, {name}.")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ArchiveError(f"the zip holds a symbolic link, {name}.")
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{name} is encrypted.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ArchiveError(f"{name} is compressed with a method archives do not use.")
        if name == MANIFEST:
            cap = limits.manifest_bytes
        elif name in DATA.values():
            cap = limits.data_bytes
        elif name.startswith(MEDIA):
            if not _is_safe_name(name.removeprefix(MEDIA)):
                raise ArchiveError(f"the zip holds {name!r}, outside the media folder.")
            cap = limits.file_bytes
        else:
            raise ArchiveError(f"the zip holds {name!r}, which no archive holds.")
        if info.file_size > cap:
            raise ArchiveError(f"{name} expands to {info.file_size:,} bytes; the limit is {cap:,}.")
        if info.file_size > RATIO_FLOOR and info.file_size > limits.ratio * info.compress_size:
            raise ArchiveError(
                f"{name} expands {info.file_size // max(info.compress_size, 1):,} times "
                f"(a zip bomb?); the limit is {limits.ratio} times."
            )
        total += info.file_size
        compressed += info.compress_size
    if total > RATIO_FLOOR and total > limits.ratio * compressed:
        raise ArchiveError(
            f"its members expand {total // max(compressed, 1):,} times in total (a zip bomb?); "
            f"the limit is {limits.ratio} times."
        )
    return seen


def _read_manifest(archive: zipfile.ZipFile, seen: set[str], limits: Limits) -> tuple[int, dict]:
    """The archive's format version and manifest, once the manifest describes the zip exactly."""
    if MANIFEST not in seen:
        raise ArchiveError("it has no manifest.json.")
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except (ValueError, RecursionError) as error:
        raise ArchiveError(f"manifest.json is not JSON ({error}).") from None
    if not isinstance(manifest, dict):
        raise ArchiveError("manifest.json is not a JSON object.")
    version = manifest.get("version")
    if manifest.get("format") != FORMAT or type(version) is not int or version not in DATA:
        readable = " or ".join(str(v) for v in DATA)
        raise ArchiveError(
            f"it is not a {FORMAT} version {readable} archive "
            f"(it says {manifest.get('format')!r} {version!r})."
        )
    if DATA[version] not in seen:
        raise ArchiveError(f"it has no {DATA[version]}.")
    counts = manifest.get("counts")
    if not isinstance(counts, dict) or not all(
        isinstance(label, str) and type(count) is int and count >= 0
        for label, count in counts.items()
    ):
        raise ArchiveError("the manifest's counts are not a mapping of model to row count.")
    media = manifest.get("media")
    if not isinstance(media, list) or not all(isinstance(name, str) for name in media):
        raise ArchiveError("the manifest's media is not a list of file names.")
    if len(media) > limits.files:
        raise ArchiveError(f"the manifest lists {len(media):,} files; at most {limits.files:,}.")
    if len(set(media)) != len(media):
        raise ArchiveError("the manifest lists a media file twice.")
    for name in media:
        if not _is_safe_name(name):
            raise ArchiveError(f"the manifest names a file {name!r}, outside the media folder.")
        if MEDIA + name not in seen:
            raise ArchiveError(f"the file {name} named by the manifest is missing from the zip.")
    expected = {MANIFEST, DATA[version], *(MEDIA + name for name in media)}
    for name in sorted(seen - expected):
        raise ArchiveError(f"the zip holds {name}, which the manifest does not list.")
    return version, manifest


def _is_safe_name(name: str) -> bool:
    """Is `name` a plain relative path inside media storage, as Django's storage makes them?"""
    if not name or len(name) > 1000 or "\\" in name:
        return False
    if any(ord(character) < 32 or ord(character) == 127 for character in name):
        return False
    return not any(part in ("", ".", "..") for part in PurePosixPath(name).as_posix().split("/"))


class _RowBuilder(PythonDeserializer):
    """Django's deserializer, one record at a time, looking each natural key (an account's
    username, a tag's name) up once per restore rather than once for every row that names it."""

    def __init__(self):
        super().__init__([], handle_forward_references=False)
        self.known: dict[tuple, Any] = {}

    def build(self, record: dict) -> DeserializedObject:
        (item,) = self._handle_object(record)
        return item

    def _handle_fk_field_node(self, field, field_value):
        if not isinstance(field_value, list):
            return super()._handle_fk_field_node(field, field_value)
        key = (field.related_model, field.remote_field.field_name, *field_value)
        if key not in self.known:
            if len(self.known) > 100_000:
                self.known.clear()
            self.known[key] = super()._handle_fk_field_node(field, field_value)
        return self.known[key]


class _Restore:
    """One restore of one archive: rows streamed in, in batches, then files, then the news."""

    def __init__(self, archive: zipfile.ZipFile, version: int, manifest: dict, limits: Limits):
        self.archive = archive
        self.version = version
        self.manifest = manifest
        self.limits = limits
        self.models = {model._meta.label_lower: model for model in archived_models()}
        self.fields = {label: _restorable_fields(model) for label, model in self.models.items()}
        self.file_fields = {label: _file_fields(model) for label, model in self.models.items()}
        self.tables = set(written_tables())
        self.counts: Counter[str] = Counter()
        self.referenced: set[str] = set()  # media names the rows hold
        self.demoted: list[str] = []
        self.builder = _RowBuilder()
        self.batch: list[DeserializedObject] = []
        self.batch_bytes = 0
        self.account_permissions: set | None = None

    def run(self, path: Path) -> ArchiveSummary:
        written: list[str] = []
        made: list[str] = []  # folders the files needed, to remove again if the restore fails
        try:
            # The door's: a restore writes every story table, and announces once at the end.
            with changes.door(), transaction.atomic():
                _refuse_unless_empty()
                self._restore_rows()
                self._check_against_manifest()
                connection.check_constraints(table_names=sorted(self.tables))
                _reset_sequences()
                self._restore_files(written, made)
                changes.announce_restored_archive()
        except BaseException:
            for name in [*reversed(written), *reversed(made)]:
                try:
                    default_storage.delete(name)
                except OSError:
                    pass  # a folder something else also wrote into stays
            raise
        counts = {m._meta.label: self.counts[m._meta.label_lower] for m in self.models.values()}
        return ArchiveSummary(
            path=path, counts=counts, files=len(self.manifest["media"]), demoted=self.demoted
        )

    # Rows

    def _restore_rows(self) -> None:
        member = DATA[self.version]
        with self.archive.open(member) as stream:
            reader = _read_lines if self.version == 2 else _read_array
            for where, size, record in reader(stream, self.limits.row_bytes):
                with _refused_at(f"{where} of {member}"):
                    model = self._check_record(record)
                if self.batch and self.batch[0].object.__class__ is not model:
                    # A row may name rows before it by natural key: they must be in the database.
                    self._flush()
                with _refused_at(f"{where} of {member}"):
                    item = self._build(record, model)
                self._add(item, size)
        self._flush()

    def _build(self, record: dict, model: type[models.Model]) -> DeserializedObject:
        item = self.builder.build(record)
        self._check_values(item.object, model._meta.label_lower)
        if model is get_user_model():
            self._check_powers(item)
        return item

    def _add(self, item: DeserializedObject, size: int) -> None:
        for file_field in self.file_fields[item.object._meta.label_lower]:
            name = getattr(item.object, file_field.attname).name
            if name:
                self.referenced.add(name)
        self.counts[item.object._meta.label_lower] += 1
        self.batch.append(item)
        self.batch_bytes += size
        if len(self.batch) >= BATCH_SIZE or self.batch_bytes >= BATCH_BYTES:
            self._flush()

    def _check_record(self, record: Any) -> type[models.Model]:
        """The record's model, once the record is shaped as Django serializes rows and names only
        a model and fields a restore writes; derived fields are dropped from it."""
        if not isinstance(record, dict):
            raise ArchiveError("a row is not a JSON object.")
        for key in ("model", "pk", "fields"):
            if key not in record:
                raise ArchiveError(f'a row has no "{key}".')
        if set(record) != {"model", "pk", "fields"}:
            raise ArchiveError(f"a row has keys other than model, pk and fields: {sorted(record)}.")
        label, pk, fields = record["model"], record["pk"], record["fields"]
        if not isinstance(label, str):
            raise ArchiveError("a row's model is not a name.")
        label = label.lower()
        if label not in self.models:
            raise ArchiveError(
                f"it holds a row of {label}, a model import_archive does not restore; "
                "the whole archive is refused."
            )
        if type(pk) not in (int, str) or pk == "":
            raise ArchiveError(f"a row of {label} has no usable pk ({pk!r}).")
        if not isinstance(fields, dict):
            raise ArchiveError(f"the fields of {label} {pk} are not a JSON object.")
        for name in DERIVED_FIELDS.get(label, ()):
            fields.pop(name, None)
        unknown = set(fields) - self.fields[label]
        if unknown:
            raise ArchiveError(f"{label} {pk} has fields {label} lacks: {sorted(unknown)}.")
        for file_field in self.file_fields[label]:
            name = fields.get(file_field.name)
            if name and not (isinstance(name, str) and _is_safe_name(name)):
                raise ArchiveError(f"{label} {pk} names a file {name!r} outside the media folder.")
        for name, value in fields.items():
            if _holds_nul(value):
                # PostgreSQL stores no NUL in text; SQLite would, and nothing else would read it.
                raise ArchiveError(f"{label} {pk} holds a NUL character in {name}.")
        return self.models[label]

    def _check_values(self, row: models.Model, label: str) -> None:
        """What PostgreSQL checks and SQLite does not, checked here for both: text within its
        length, choices among the field's choices."""
        for f in row._meta.concrete_fields:
            value = getattr(row, f.attname)
            if isinstance(value, models.fields.files.FieldFile):
                value = value.name
            if value is None or value == "":
                continue
            if f.max_length is not None and isinstance(value, str) and len(value) > f.max_length:
                raise ArchiveError(
                    f"{label} {row.pk} has {len(value)} characters in {f.name}; "
                    f"it holds {f.max_length}."
                )
            if f.choices and value not in {choice for choice, _ in f.flatchoices}:
                raise ArchiveError(f"{label} {row.pk} has {value!r} in {f.name}, not a choice.")

    def _check_powers(self, item: DeserializedObject) -> None:
        """No restore makes a superuser or gives an account power over accounts.

        Export writes neither (_without_powers()), so a current archive that carries one was not
        made by export_archive and is refused; an archive from an older release, which wrote
        accounts as they were, is restored with those powers taken off, and the summary names
        the accounts."""
        user = item.object
        if self.account_permissions is None:
            self.account_permissions = set(
                Permission.objects.filter(content_type__app_label="auth").values_list(
                    "pk", flat=True
                )
            )
        permissions = item.m2m_data.get("user_permissions", [])
        kept = [pk for pk in permissions if pk not in self.account_permissions]
        if not user.is_superuser and len(kept) == len(permissions):
            return
        if self.version >= 2:
            raise ArchiveError(
                f"it makes the account {user.username!r} a superuser or gives it permissions "
                "over accounts, which a restore never does; export_archive writes neither."
            )
        user.is_superuser = False
        item.m2m_data["user_permissions"] = kept
        self.demoted.append(user.username)

    def _flush(self) -> None:
        """Write the batch: INSERT only, so a row can never overwrite one already there."""
        if not self.batch:
            return
        model = self.batch[0].object.__class__
        rows = [item.object for item in self.batch]
        self._insert(model, rows, raw=True)
        for f in model._meta.many_to_many:
            through = f.remote_field.through
            if not through._meta.auto_created:
                continue
            source, target = f.m2m_field_name(), f.m2m_reverse_field_name()
            links = [
                through(**{f"{source}_id": item.object.pk, f"{target}_id": target_pk})
                for item in self.batch
                for target_pk in item.m2m_data.get(f.name, [])
            ]
            self._insert(through, links, raw=False)
        self.batch, self.batch_bytes = [], 0

    def _insert(self, model: type[models.Model], rows: list[models.Model], *, raw: bool) -> None:
        table = model._meta.db_table
        if table not in self.tables:
            raise ArchiveError(f"the restore would write {table}, a table it does not check.")
        if not rows:
            return
        if not raw:
            model._base_manager.bulk_create(rows, batch_size=BATCH_SIZE)
            return
        # Raw, as Model.save(raw=True) in loaddata: each value as the archive has it (bulk_create
        # would stamp created_at and updated_at with the time of the restore), no signals (the
        # restore announces itself once, at the end), and a batch of rows per INSERT.
        fields = model._meta.local_concrete_fields
        size = max(1, min(BATCH_SIZE, connection.ops.bulk_batch_size(fields, rows)))
        for batch in _batches(rows, size):
            model._base_manager._insert(batch, fields=fields, raw=True)

    def _check_against_manifest(self) -> None:
        listed = set(self.manifest["media"])
        for name in sorted(self.referenced - listed):
            raise ArchiveError(f"a row names the file {name}, which the archive lacks.")
        for name in sorted(listed - self.referenced):
            raise ArchiveError(f"the media file {name} is named by no row.")
        declared = {label.lower(): count for label, count in self.manifest["counts"].items()}
        for label in sorted(set(declared) | set(self.counts)):
            if declared.get(label, 0) != self.counts[label]:
                raise ArchiveError(
                    f"the manifest counts {declared.get(label, 0)} rows of {label}; "
                    f"the data holds {self.counts[label]}."
                )

    # Files

    def _restore_files(self, written: list[str], made: list[str]) -> None:
        names = sorted(self.manifest["media"])
        for name in names:
            if default_storage.exists(name):
                raise ArchiveError(f"media storage already holds {name}; restore into empty media.")
        folders: set[str] = set()
        for name in names:
            for folder in map(str, reversed(PurePosixPath(name).parents[:-1])):
                if folder not in folders:
                    folders.add(folder)
                    if not default_storage.exists(folder):
                        made.append(folder)
            info = self.archive.getinfo(MEDIA + name)
            with self.archive.open(info) as source:
                content = File(source, name=name)
                content.size = info.file_size  # else File would read the member to measure it
                try:
                    saved = default_storage.save(name, content)
                except BaseException:
                    # A damaged member fails as it is read, leaving the file cut short; it was
                    # not there before (checked above), so it goes.
                    written.append(name)
                    raise
            written.append(saved)
            if saved != name:
                raise ArchiveError(f"media storage already holds {name}; restore into empty media.")


@contextmanager
def _refused_at(where: str):
    """Say where in the data a row was refused: what is wrong with one row is raised as it is
    read, before anything of it is written."""
    try:
        yield
    except ArchiveError as error:
        raise ArchiveError(f"{where}: {error}") from None
    except (
        DeserializationError,
        ValidationError,
        ObjectDoesNotExist,
        ValueError,
        TypeError,
    ) as error:
        raise ArchiveError(f"{where}: {type(error).__name__}: {error}") from None


def _restorable_fields(model: type[models.Model]) -> set[str]:
    """The field names Django's serializer writes for `model`: what a record may carry."""
    names = {f.name for f in model._meta.concrete_fields if f.serialize and not f.primary_key}
    names |= {f.name for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created}
    return names


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _read_lines(stream: IO[bytes], row_bytes: int) -> Iterator[tuple[str, int, Any]]:
    """Format 2: one JSON object per line; never more than `row_bytes` read into memory at once."""
    number = 0
    while line := stream.readline(row_bytes + 1):
        number += 1
        where = f"line {number}"
        if len(line) > row_bytes and not line.endswith(b"\n"):
            raise ArchiveError(f"{where} of {DATA[2]} is longer than {row_bytes:,} bytes.")
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise ArchiveError(f"{where} of {DATA[2]} is not UTF-8 text.") from None
        try:
            yield where, len(line), json.loads(text)
        except (ValueError, RecursionError) as error:
            raise ArchiveError(f"{where} of {DATA[2]} is not JSON ({error}).") from None


def _read_array(stream: IO[bytes], row_bytes: int) -> Iterator[tuple[str, int, Any]]:
    """Format 1: one JSON array of objects, read an element at a time.

    An element is decoded once enough text has arrived to finish it, and the text read ahead
    of it is never more than `row_bytes` (plus one read), however long the array.
    """
    decoder = json.JSONDecoder()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    text, at, ended = "", 0, False

    def more(size: int) -> bool:
        """Read up to `size` more bytes, dropping the text already decoded; False at the end."""
        nonlocal text, at, ended
        if ended:
            return False
        data = stream.read(size)
        ended = not data
        try:
            text = text[at:] + utf8.decode(data, final=ended)
        except UnicodeDecodeError:
            raise ArchiveError(f"{DATA[1]} is not UTF-8 text.") from None
        at = 0
        return not ended

    def next_character() -> str:
        """The next character that is not whitespace, without consuming it; "" at the end."""
        nonlocal at
        while True:
            while at < len(text) and text[at] in " \t\r\n":
                at += 1
            if at < len(text):
                return text[at]
            if not more(64 * 1024):
                return ""

    if next_character() != "[":
        raise ArchiveError(f"{DATA[1]} is not a JSON array.")
    at += 1
    number = 0
    if next_character() == "]":
        at += 1
    else:
        while True:
            number += 1
            where = f"object {number}"
            next_character()
            read_ahead = 64 * 1024
            too_long = f"{where} of {DATA[1]} is longer than {row_bytes:,} bytes."
            while True:
                try:
                    record, end = decoder.raw_decode(text, at)
                    break
                except json.JSONDecodeError as error:
                    if len(text) - at > row_bytes:
                        raise ArchiveError(too_long) from None
                    if not more(read_ahead):
                        raise ArchiveError(
                            f"{where} of {DATA[1]} is not JSON or is cut short ({error})."
                        ) from None
                    # Doubling, so that a long element is decoded a few times only.
                    read_ahead = min(read_ahead * 2, row_bytes)
                except RecursionError:
                    raise ArchiveError(f"{where} of {DATA[1]} is nested too deeply.") from None
            size, at = end - at, end
            if size > row_bytes:  # read in one go, with the text around it
                raise ArchiveError(too_long)
            yield where, size, record
            separator = next_character()
            at += 1
            if separator == "]":
                break
            if separator == "":
                raise ArchiveError(f"{DATA[1]} ends before its array does (cut short?).")
            if separator != ",":
                raise ArchiveError(f"{DATA[1]} has {separator!r} where a comma should be.")
    if next_character() != "":
        raise ArchiveError(f"{DATA[1]} goes on after its array ends.")


def _refuse_unless_empty() -> None:
    """A restore keeps every id of the archive, so it goes only where none of its tables holds a
    row: an account already there (the operator's own) would otherwise be overwritten by an
    archived one with the same id, or clash with it."""
    occupied = []
    with connection.cursor() as cursor:
        for table in written_tables():
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
            if cursor.fetchone():
                occupied.append(table)
    if occupied:
        # The reason first: the list of tables can be long enough to be cut short.
        raise ArchiveError(
            "import_archive restores only into an empty, freshly migrated database (before "
            f"createsuperuser); this one already holds rows in {', '.join(occupied)}."
        )


def _reset_sequences() -> None:
    """Restored rows keep their ids; make PostgreSQL's id sequences continue after them."""
    statements = connection.ops.sequence_reset_sql(no_style(), archived_models())
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
