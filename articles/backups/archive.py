"""What an archive is: its members, the models whose rows it carries, the tables a restore
writes, and the limits a restore holds it to."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

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
    links = [f.remote_field.through for f in model._meta.many_to_many]
    return [link for link in links if link is not None and link._meta.auto_created]


def _file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


# Export ------------------------------------------------------------------------------------------


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
