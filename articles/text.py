"""Text as people meant it: control characters out, line endings one kind."""

import re

# C0 controls but tab and newline, DEL, C1 controls, and what XML 1.0 forbids besides.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def clean_text(value: str) -> str:
    """`value` with Windows and old Mac line endings made newlines, and every other control
    character removed: a vertical tab pasted from a word processor must not reach a feed."""
    if not value:
        return value
    return CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
