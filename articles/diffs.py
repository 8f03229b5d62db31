"""Two texts compared for a person: removed words in <del>, added ones in <ins>, all escaped.

Used by the revision compare view (articles/revisions.py) and translation review.
"""

import difflib

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from interviews.parsing import paragraphs

# Comparing word by word takes time that grows with the product of the two lengths: past this,
# texts are compared paragraph by paragraph instead (a 40,000-word draft must not hold a worker).
WORD_DIFF_LIMIT = 2_000_000


def word_diff(old: str, new: str) -> SafeString:
    """`old` against `new` word by word: removed words in <del>, added ones in <ins>, escaped.

    Very long texts are compared by paragraph, each changed paragraph shown whole.
    """
    old_words, new_words = (old or "").split(), (new or "").split()
    if len(old_words) * len(new_words) > WORD_DIFF_LIMIT:
        return _paragraph_diff(old or "", new or "")
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    out: list[str] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape(" ".join(old_words[a1:a2])))
            continue
        if op in ("delete", "replace"):
            out.append(format_html("<del>{}</del>", " ".join(old_words[a1:a2])))
        if op in ("insert", "replace"):
            out.append(format_html("<ins>{}</ins>", " ".join(new_words[b1:b2])))
    return mark_safe(" ".join(out))  # every piece above is escaped


def _paragraph_diff(old: str, new: str) -> SafeString:
    old_parts, new_parts = paragraphs(old), paragraphs(new)
    matcher = difflib.SequenceMatcher(a=old_parts, b=new_parts, autojunk=False)
    out: list[str] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.extend(escape(part) for part in old_parts[a1:a2])
            continue
        if op in ("delete", "replace"):
            out.extend(format_html("<del>{}</del>", part) for part in old_parts[a1:a2])
        if op in ("insert", "replace"):
            out.extend(format_html("<ins>{}</ins>", part) for part in new_parts[b1:b2])
    return mark_safe(" ".join(out))  # every piece above is escaped
