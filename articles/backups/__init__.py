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

The package by concern, everything public imported here (`from articles.backups import
export_archive`):

- archive.py: the format (members, version, limits), the models archived and the tables written;
- export.py: export_archive;
- checks.py: the zip's directory and its manifest, checked before anything is decompressed;
- reading.py: the rows, read one at a time (JSON Lines, or version 1's array);
- restore.py: import_archive.
"""

from .archive import (
    BATCH_BYTES,
    BATCH_SIZE,
    DATA,
    DERIVED_FIELDS,
    EXTRA_MODELS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MEDIA,
    OWN_APPS,
    RATIO_FLOOR,
    ArchiveError,
    ArchiveSummary,
    Limits,
    archived_models,
    written_tables,
)
from .export import ExactJSONEncoder, export_archive
from .restore import REFUSALS, import_archive

__all__ = [
    "BATCH_BYTES",
    "BATCH_SIZE",
    "DATA",
    "DERIVED_FIELDS",
    "EXTRA_MODELS",
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "MEDIA",
    "OWN_APPS",
    "RATIO_FLOOR",
    "REFUSALS",
    "ArchiveError",
    "ArchiveSummary",
    "ExactJSONEncoder",
    "Limits",
    "archived_models",
    "export_archive",
    "import_archive",
    "written_tables",
]
