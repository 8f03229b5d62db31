"""Writing an archive: every archived row as a line of JSON, then the media those rows name."""

import datetime
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast

from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from .archive import (
    BATCH_SIZE,
    DATA,
    DERIVED_FIELDS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MEDIA,
    ArchiveError,
    ArchiveSummary,
    _batches,
    _file_fields,
    archived_models,
)


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
            with io.BufferedWriter(cast(io.RawIOBase, member), buffer_size=256 * 1024) as data:
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
    with (
        default_storage.open(name, "rb") as source,
        archive.open(MEDIA + name, "w", force_zip64=True) as target,
    ):
        for chunk in iter(lambda: source.read(1024 * 1024), b""):
            target.write(chunk)
