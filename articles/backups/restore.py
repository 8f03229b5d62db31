"""Restoring an archive into an empty database, all or nothing: rows streamed in, in batches,
checked as they are read, then the files, then one announcement through the door."""

import zipfile
import zlib
from collections import Counter
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ObjectDoesNotExist, SuspiciousOperation, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError, DeserializedObject
from django.db import DatabaseError, connection, models, transaction

from .. import changes
from .archive import (
    BATCH_BYTES,
    BATCH_SIZE,
    DATA,
    DERIVED_FIELDS,
    MEDIA,
    ArchiveError,
    ArchiveSummary,
    Limits,
    _batches,
    _file_fields,
    archived_models,
    written_tables,
)
from .checks import _check_members, _is_safe_name, _open_zip, _read_manifest
from .reading import _read_array, _read_lines, _RowBuilder

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
                # A folder something else also wrote into stays.
                with suppress(OSError):
                    default_storage.delete(name)
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
            stored = fields.get(file_field.name)
            if stored and not (isinstance(stored, str) and _is_safe_name(stored)):
                raise ArchiveError(
                    f"{label} {pk} names a file {stored!r} outside the media folder."
                )
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
        user = cast(User, item.object)
        m2m_data: dict[str, Any] = item.m2m_data or {}
        if self.account_permissions is None:
            self.account_permissions = set(
                Permission.objects.filter(content_type__app_label="auth").values_list(
                    "pk", flat=True
                )
            )
        permissions = m2m_data.get("user_permissions", [])
        kept = [pk for pk in permissions if pk not in self.account_permissions]
        if not user.is_superuser and len(kept) == len(permissions):
            return
        if self.version >= 2:
            raise ArchiveError(
                f"it makes the account {user.username!r} a superuser or gives it permissions "
                "over accounts, which a restore never does; export_archive writes neither."
            )
        user.is_superuser = False
        m2m_data["user_permissions"] = kept
        item.m2m_data = m2m_data
        self.demoted.append(user.username)

    def _flush(self) -> None:
        """Write the batch: INSERT only, so a row can never overwrite one already there."""
        if not self.batch:
            return
        model = self.batch[0].object.__class__
        rows = [item.object for item in self.batch]
        self._insert(model, rows, raw=True)
        for f in model._meta.many_to_many:
            through = _auto_through(f)
            if through is None:
                continue
            source, target = f.m2m_field_name(), f.m2m_reverse_field_name()
            links = [
                through(**{f"{source}_id": item.object.pk, f"{target}_id": target_pk})
                for item in self.batch
                for target_pk in (item.m2m_data or {}).get(f.name, [])
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
            # The manager's own INSERT, as Model.save(raw=True) uses it.
            model._base_manager._insert(batch, fields=fields, raw=True)  # type: ignore[attr-defined]

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
    names = {
        f.name
        for f in model._meta.concrete_fields
        if getattr(f, "serialize", True) and not f.primary_key
    }
    names |= {f.name for f in model._meta.many_to_many if _auto_through(f) is not None}
    return names


def _auto_through(field: Any) -> type[models.Model] | None:
    """The table Django made for a many-to-many field, or None for one a model declares."""
    through = field.remote_field.through
    return through if through is not None and through._meta.auto_created else None


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


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
