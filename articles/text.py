"""Plain text as the newsroom keeps it: clean_text(), and clean_values() for a dict of field
values. Text is run through them where it comes in (the story forms, the importer) and again
where the site serves it as XML or JSON (feeds, sitemaps, JSON-LD).

Copy pasted from a word processor or a chat carries characters nobody sees: a soft line break
pastes as a vertical tab (U+000B), a page break as a form feed. XML 1.0 forbids them, and every
control character other than tab, newline and carriage return, the lone halves of surrogate pairs
and U+FFFE and U+FFFF; one of them in a headline made every feed answer 500 and the sitemap
malformed. PostgreSQL refuses a NUL in any text, SQLite keeps it. So text is cleaned on the way in,
and the XML outputs clean what they read as well, for rows stored before this or by hand.
"""

import re
from collections.abc import Mapping
from typing import Any

from django.db import models

# Control characters that break a line: vertical tab (a word processor's soft line break), form
# feed (a page break), the file, group and record separators and NEL, the ones str.splitlines()
# breaks at. They become a newline, so that the words on either side stay apart.
_LINE_BREAKING = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85]")
# What is left of the C0 and C1 controls and DEL once tab and newline are set aside; the halves
# of surrogate pairs, which a Python string may hold alone but UTF-8 cannot encode; and U+FFFE
# and U+FFFF, which are not characters and which XML forbids.
_UNWANTED = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Any of the above, to leave clean text as it is after one pass; and the same with a newline.
_TO_CLEAN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_TO_CLEAN_ON_ONE_LINE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str, *, one_line: bool = False) -> str:
    """`value` fit to store and to serve as XML: control characters other than tab and newline
    removed, and the lone surrogates and the two noncharacters (U+FFFE, U+FFFF) XML forbids.

    Line endings become "\\n" (from "\\r\\n" and "\\r"), and so do the control characters that
    break lines (vertical tab, form feed...). With `one_line`, for a name or a headline, which
    a browser's one-line input would otherwise run together, every line break becomes a space.
    Cleaning clean text changes nothing.
    """
    if not (_TO_CLEAN_ON_ONE_LINE if one_line else _TO_CLEAN).search(value):
        return value  # the usual case, found in one pass
    value = _UNWANTED.sub("", _LINE_BREAKING.sub("\n", value))
    if one_line:
        value = value.replace("\n", " ")
    return value


def clean_values(
    values: Mapping[str, Any], *, model: type[models.Model] | None = None
) -> dict[str, Any]:
    """A copy of `values` (field name -> value) with every text in it cleaned by clean_text().

    Strings are cleaned, and the strings in a list or tuple (tag names, which are one line
    each); anything else is kept as it is. Given the `model` the values are for, a value for one
    of its CharFields (a headline, a name, a slug) is cleaned as one line.
    """
    one_line_fields = set()
    if model is not None:
        one_line_fields = {
            field.name for field in model._meta.get_fields() if isinstance(field, models.CharField)
        }
    return {
        name: _cleaned(value, one_line=name in one_line_fields) for name, value in values.items()
    }


def _cleaned(value: Any, *, one_line: bool) -> Any:
    if isinstance(value, str):
        return clean_text(value, one_line=one_line)
    if isinstance(value, list):
        return [_cleaned(item, one_line=True) for item in value]
    if isinstance(value, tuple):
        return tuple(_cleaned(item, one_line=True) for item in value)
    if isinstance(value, dict):
        return {key: _cleaned(item, one_line=one_line) for key, item in value.items()}
    return value
