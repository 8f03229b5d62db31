"""Export and restore (articles/backups.py) in bounded memory, and an archive that expands hugely
refused at once."""

import json
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.backups import DATA, archived_models, export_archive
from bench.seeding import seed_archive
from tests.articles.backups.archives import export_version_1, restore, wipe

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
        with pytest.raises(CommandError, match=r"data\.json expands 1,0[0-9]{2} times"):
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
