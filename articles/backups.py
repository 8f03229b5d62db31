"""Portable archives of everything the newsroom has written, for backup and for moving databases.

An archive is one zip file: manifest.json (format, when, counts), data.json (every row of the
newsroom's own models, their tags and the accounts they refer to, with those accounts' second
factors, in Django's JSON serialization) and media/ (the uploaded files those rows name). It is
independent of the database engine, so an archive made on SQLite restores on PostgreSQL and the
other way round.

The second factors are authenticator secrets and unused recovery codes, as they are in the
database: an archive must be kept as safe as the database itself.
"""

import datetime
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

FORMAT = "newsroom-archive"
FORMAT_VERSION = 1
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
    """The archive cannot be written or restored; the message says why."""


@dataclass
class ArchiveSummary:
    path: Path
    counts: dict[str, int]
    files: int


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


def _file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def export_archive(path: str | Path) -> ArchiveSummary:
    """Write the archive to `path`, replacing it only once the new one is complete."""
    path = Path(path)
    counts: dict[str, int] = {}
    objects: list[models.Model] = []
    media: set[str] = set()
    with transaction.atomic():  # one consistent snapshot of every table
        for model in archived_models():
            rows = list(model._default_manager.order_by("pk"))
            counts[model._meta.label] = len(rows)
            objects.extend(rows)
            for field in _file_fields(model):
                media.update(name for row in rows if (name := getattr(row, field.name).name))
    data = serializers.serialize(
        "json",
        objects,
        cls=ExactJSONEncoder,
        use_natural_foreign_keys=True,
        use_natural_primary_keys=False,
        ensure_ascii=False,
        indent=None,
    )
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "counts": counts,
        "media": sorted(media),
    }
    storage = _default_storage()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".archive-", suffix=".zip", dir=path.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
            archive.writestr("data.json", data)
            for name in sorted(media):
                if not storage.exists(name):
                    raise ArchiveError(f"The file {name} is named by a row but missing from media.")
                with storage.open(name, "rb") as source:
                    archive.writestr(f"media/{name}", source.read())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return ArchiveSummary(path=path, counts=counts, files=len(media))


def import_archive(path: str | Path) -> ArchiveSummary:
    """Restore an archive into a database that holds no stories yet; all or nothing."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise ArchiveError(f"{path} is not a readable archive ({error}).") from None
    with archive:
        try:
            manifest = json.loads(archive.read("manifest.json"))
            data = archive.read("data.json").decode("utf-8")
        except (KeyError, ValueError) as error:
            raise ArchiveError(f"{path} lacks a valid manifest or data ({error}).") from None
        if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
            raise ArchiveError(
                f"{path} is not a {FORMAT} version {FORMAT_VERSION} archive "
                f"(it says {manifest.get('format')} {manifest.get('version')})."
            )
        article_model = apps.get_model("articles", "Article")
        if article_model._default_manager.exists():
            raise ArchiveError("The database already holds stories; restore into an empty one.")

        storage = _default_storage()
        written: list[str] = []
        try:
            with transaction.atomic():
                restored = serializers.deserialize(
                    "json", data, handle_forward_references=True, ignorenonexistent=False
                )
                deferred = []
                for item in restored:
                    item.save()
                    if item.deferred_fields:
                        deferred.append(item)
                for item in deferred:
                    item.save_deferred_fields()
                _reset_sequences()
                for name in manifest.get("media", []):
                    content = archive.read(f"media/{name}")
                    saved = storage.save(name, ContentFile(content))
                    written.append(saved)
                    if saved != name:
                        raise ArchiveError(f"A file named {name} is already in media storage.")
        except BaseException as error:
            for name in written:
                storage.delete(name)
            if isinstance(error, IntegrityError):
                raise ArchiveError(
                    f"The archive's rows clash with rows already in the database ({error}); "
                    "restore into a freshly migrated, empty database."
                ) from None
            raise
    counts = {label: apps.get_model(label)._default_manager.count() for label in manifest["counts"]}
    return ArchiveSummary(path=path, counts=counts, files=len(manifest.get("media", [])))


def _default_storage():
    from django.core.files.storage import default_storage

    return default_storage


def _reset_sequences() -> None:
    """Restored rows keep their ids; make PostgreSQL's id sequences continue after them."""
    statements = connection.ops.sequence_reset_sql(no_style(), archived_models())
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
