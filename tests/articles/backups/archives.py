"""Archives for the backup tests: every archived row serialized, tables emptied, rows and files
counted, an archive as older releases wrote it, an archive taken apart and written back, and a
restore run as an operator runs it."""

import json
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction

from articles.backups import DATA, ExactJSONEncoder, archived_models
from articles.models import Article


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


# An archive taken apart, to be changed and written back -------------------------------------


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
