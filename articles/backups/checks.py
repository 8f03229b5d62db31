"""Checking an archive before anything of it is decompressed: the zip's directory (members,
sizes, compression ratios, names) and a manifest that describes the zip exactly."""

import json
import os
import stat
import struct
import zipfile
from pathlib import Path, PurePosixPath

from .archive import DATA, FORMAT, MANIFEST, MEDIA, RATIO_FLOOR, ArchiveError, Limits


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
