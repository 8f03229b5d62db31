"""Reading an archive's rows, a row at a time with memory bounded by the longest: JSON Lines
(format 2), one JSON array (format 1), and Django's deserializer one record at a time."""

import codecs
import json
from collections.abc import Iterator
from typing import IO, Any

from django.core.serializers.base import DeserializedObject
from django.core.serializers.python import Deserializer as PythonDeserializer

from .archive import DATA, ArchiveError


class _RowBuilder(PythonDeserializer):
    """Django's deserializer, one record at a time, looking each natural key (an account's
    username, a tag's name) up once per restore rather than once for every row that names it."""

    def __init__(self):
        super().__init__([], handle_forward_references=False)
        self.known: dict[tuple, Any] = {}

    def build(self, record: dict) -> DeserializedObject:
        # The Python deserializer's own step for one record, and its foreign-key step below:
        # Django has no public hook for either.
        (item,) = self._handle_object(record)  # type: ignore[attr-defined]
        return item

    def _handle_fk_field_node(self, field, field_value):
        if not isinstance(field_value, list):
            return super()._handle_fk_field_node(field, field_value)  # type: ignore[misc]
        key = (field.related_model, field.remote_field.field_name, *field_value)
        if key not in self.known:
            if len(self.known) > 100_000:
                self.known.clear()
            self.known[key] = super()._handle_fk_field_node(field, field_value)  # type: ignore[misc]
        return self.known[key]


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
