"""Translation review: source and English cut into segments, and what changed since review.

A segment is the headline, the standfirst, one body paragraph, or one exchange's question or
answer. When a translation passes review, each segment's source text is fingerprinted
(ReviewedSegment). A segment whose source no longer matches its fingerprint is stale, and a story
with a stale segment cannot be published: articles/workflow/ asks stale_segments() before
publishing or scheduling.

Paragraphs, questions and answers come in lists, where a place does not identify a segment for
long: one paragraph inserted at the top moves every later one. So each list is lined up, in
order, with the fingerprints it was reviewed with (align()): a segment whose source matches one
is unchanged; one standing where a changed one stood is stale, with a diff against it; a new one
was never reviewed; and reviewed source with no segment left was removed from the original,
which is a change too. Keys are places ("body:2", "exchange:0:answer"), never database ids: a
restore writes the exchanges again under new ids.
"""

import difflib
import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe

from interviews.markup import EDITORIAL, answer_words, insertion_kind
from interviews.parsing import INSERTION, paragraphs

from .diffs import word_diff
from .models import Article, ReviewedSegment

BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|figcaption)>|<br\s*/?>", re.IGNORECASE)
# A segment in a list: "body:2", "exchange:0:question". Older reviews keyed exchanges by database
# id; those ids still sort in reading order, which is all align() needs from a key.
LISTED_KEY = re.compile(r"^(body|exchange):(\d+)(:question|:answer)?$")
REMOVED_LABELS = {
    "headline": "Headline removed from the original",
    "dek": "Standfirst removed from the original",
    "body": "Paragraph removed from the original",
    "exchange:question": "Question removed from the original",
    "exchange:answer": "Answer removed from the original",
}


@dataclass
class Segment:
    key: str
    label: str
    source: str
    translation: str


@dataclass
class SegmentReview:
    """One row of the review page: a segment with what the reviewer needs to know about it.

    A row that `is_removed` stands for reviewed source the original no longer has.
    """

    segment: Segment
    reviewed: ReviewedSegment | None
    fingerprint: str
    flags: list[str] = field(default_factory=list)
    is_removed: bool = False

    @property
    def is_stale(self) -> bool:
        """The source changed since review, or there is source that was never reviewed."""
        if self.reviewed is None:
            return bool(self.segment.source)
        return self.reviewed.source_fingerprint != self.fingerprint

    @property
    def source_diff(self) -> SafeString:
        """The old source against the new, word by word, for a stale segment."""
        old = self.reviewed.source_text if self.reviewed else ""
        return word_diff(old, self.segment.source)

    @property
    def translation_marked(self) -> SafeString:
        return mark_insertions(self.segment.translation, self.segment.source)


def fingerprint(text: str) -> str:
    """The same for texts that differ only in spacing, different for any other change."""
    normalized = " ".join((text or "").split())
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def html_paragraphs(body: str) -> list[str]:
    """The paragraphs of the rich-text body as plain text."""
    text = html.unescape(strip_tags(BLOCK_END.sub("\n\n", body or "")))
    return paragraphs(text)


def segments(article: Article) -> list[Segment]:
    """The story cut into source/translation pairs, in reading order."""
    result = [
        Segment("headline", "Headline", article.source_headline, article.headline),
    ]
    if article.source_dek or article.dek:
        result.append(Segment("dek", "Standfirst", article.source_dek, article.dek))
    source_paragraphs = paragraphs(article.source_body)
    english_paragraphs = html_paragraphs(article.body)
    for i in range(max(len(source_paragraphs), len(english_paragraphs))):
        result.append(
            Segment(
                f"body:{i}",
                f"Paragraph {i + 1}",
                source_paragraphs[i] if i < len(source_paragraphs) else "",
                english_paragraphs[i] if i < len(english_paragraphs) else "",
            )
        )
    for i, exchange in enumerate(article.exchanges.order_by("position")):
        result.append(
            Segment(
                f"exchange:{i}:question",
                f"Question {i + 1}",
                exchange.question_original,
                exchange.question,
            )
        )
        result.append(
            Segment(
                f"exchange:{i}:answer",
                f"Answer {i + 1}",
                exchange.answer_original,
                answer_words(exchange.answer),
            )
        )
    return result


def _list_and_place(key: str) -> tuple[str, int]:
    """Which list a key belongs to ("body", "exchange:answer"...) and its place in it."""
    match = LISTED_KEY.match(key)
    if match is None:
        return key, 0  # the headline and the standfirst stand alone
    return match.group(1) + (match.group(3) or ""), int(match.group(2))


def align(
    current: list[Segment], reviewed: list[ReviewedSegment]
) -> tuple[dict[str, ReviewedSegment], list[tuple[int, ReviewedSegment]]]:
    """Line up a list's segments with the review rows of that list, both in reading order.

    Returns the review row each segment answers to (unchanged when the fingerprints agree, to
    diff against when they do not), and the review rows no segment answers to, each with the
    place of the segment it stood before.
    """
    matcher = difflib.SequenceMatcher(
        a=[row.source_fingerprint for row in reviewed],
        b=[fingerprint(segment.source) for segment in current],
        autojunk=False,
    )
    paired: dict[str, ReviewedSegment] = {}
    removed: list[tuple[int, ReviewedSegment]] = []
    for _op, a1, a2, b1, b2 in matcher.get_opcodes():
        # Equal runs pair one for one; so do changed ones, as far as they go. What is left over
        # was inserted (no review row) or removed (no segment).
        common = min(a2 - a1, b2 - b1)
        for offset in range(common):
            paired[current[b1 + offset].key] = reviewed[a1 + offset]
        removed.extend((b1 + common, reviewed[a]) for a in range(a1 + common, a2))
    return paired, removed


def review(article: Article) -> list[SegmentReview]:
    """Every segment with its review record, fingerprint and flags, for the review page.

    Source that was reviewed and has since been removed from the original gets a row of its own,
    where the segment after it would be.
    """
    reviewed_lists: dict[str, list[tuple[int, ReviewedSegment]]] = {}
    for record in article.reviewed_segments.all():
        name, place = _list_and_place(record.key)
        reviewed_lists.setdefault(name, []).append((place, record))
    current = segments(article)
    current_lists: dict[str, list[Segment]] = {}
    for segment in current:
        current_lists.setdefault(_list_and_place(segment.key)[0], []).append(segment)

    paired: dict[str, ReviewedSegment] = {}
    removed_before: dict[str | None, list[ReviewedSegment]] = {}
    for name, records in reviewed_lists.items():
        in_order = [record for _, record in sorted(records, key=lambda pair: pair[0])]
        listed = current_lists.get(name, [])
        matched, removed = align(listed, in_order)
        paired.update(matched)
        empty = fingerprint("")
        for place, record in removed:
            if record.source_fingerprint == empty:
                continue  # nothing was there to translate, so nothing went missing
            # Shown before the segment now in its place, or after the list's last one.
            anchor: str | None
            if place < len(listed):
                anchor = listed[place].key
            else:
                anchor = f"after:{listed[-1].key}" if listed else None
            removed_before.setdefault(anchor, []).append(record)

    rows: list[SegmentReview] = []
    for segment in current:
        rows.extend(_removed_row(r) for r in removed_before.pop(segment.key, []))
        row = SegmentReview(segment, paired.get(segment.key), fingerprint(segment.source))
        if segment.source and not segment.translation:
            row.flags.append("no translation")
        if segment.translation and not segment.source:
            row.flags.append("no source text")
        if unsourced_insertions(segment.translation, segment.source):
            row.flags.append("not in source")
        rows.append(row)
        rows.extend(_removed_row(r) for r in removed_before.pop(f"after:{segment.key}", []))
    for left in removed_before.values():
        rows.extend(_removed_row(r) for r in left)
    return rows


def _removed_row(record: ReviewedSegment) -> SegmentReview:
    name = _list_and_place(record.key)[0]
    label = REMOVED_LABELS.get(name, "Removed from the original")
    # "removed:" keeps its key apart from the segment's that now has the same place.
    segment = Segment(f"removed:{record.key}", label, "", "")
    return SegmentReview(
        segment, record, fingerprint(""), flags=["removed from the original"], is_removed=True
    )


def never_reviewed(article: Article) -> bool:
    """Has this story's translation never passed review? Then nothing "changed since review":
    the whole of it is still to be reviewed."""
    return not article.reviewed_segments.exists()


def stale_segments(article: Article) -> list[SegmentReview]:
    """Segments whose source changed since the translation was reviewed (or was never reviewed)."""
    if not article.is_translated:
        return []
    return [row for row in review(article) if row.is_stale]


def refresh_staleness(article: Article) -> bool:
    """Store whether any segment is stale, so readers' queries can hold a scheduled story back.

    Called for every change of a story's text the door announces (on_story_changed), and after
    a review. Returns the new value.
    """
    stale = bool(stale_segments(article))
    if stale != article.translation_is_stale:
        Article.objects.filter(pk=article.pk).update(translation_is_stale=stale)
        article.translation_is_stale = stale
    return stale


# What a translated segment is made of: a change to any of these may make one stale.
SEGMENT_PARTS = frozenset(
    {
        "original_language",
        "source_headline",
        "source_dek",
        "source_body",
        "headline",
        "dek",
        "body",
        "exchanges",
        "exchange_text",
    }
)


def on_story_changed(
    sender: object, *, article_ids: set[int], changed: set[str], **kwargs: object
) -> None:
    """Keep the stored staleness of the changed stories current (the door announces)."""
    if not changed & SEGMENT_PARTS:
        return
    for article in Article.objects.filter(pk__in=article_ids).exclude(original_language=""):
        refresh_staleness(article)
    # A story no longer translated has nothing to review.
    Article.objects.filter(
        pk__in=article_ids, original_language="", translation_is_stale=True
    ).update(translation_is_stale=False)


def has_source_text(article: Article) -> bool:
    return any(segment.source for segment in segments(article))


def record_review(
    article: Article,
    *,
    by: User | None,
    at: datetime | None = None,
    keys: set[str] | None = None,
) -> int:
    """Remember each segment's source as reviewed by `by` now; only `keys` if given.

    The review rows are written afresh under the segments' present keys, so that the next
    review lines up with the story as it is now. Segments outside `keys` keep the review they
    had (who, when, against what), stale or not; a removed segment's review goes once it is
    confirmed.
    """
    at = at or timezone.now()
    count = 0
    kept: list[ReviewedSegment] = []
    places: dict[str, int] = {}
    for row in review(article):
        confirmed = keys is None or row.segment.key in keys
        count += confirmed
        if confirmed and not row.is_removed:
            record = ReviewedSegment(
                source_fingerprint=row.fingerprint,
                source_text=row.segment.source,
                reviewed_by=by,
                reviewed_at=at,
            )
        elif confirmed or row.reviewed is None:
            continue  # a removal now confirmed, or a segment never reviewed and not now either
        else:
            record = row.reviewed
        name = _list_and_place(record.key if row.is_removed else row.segment.key)[0]
        kept.append(
            ReviewedSegment(
                article=article,
                key=_key_at(name, places.setdefault(name, 0)),
                source_fingerprint=record.source_fingerprint,
                source_text=record.source_text,
                reviewed_by_id=record.reviewed_by_id,
                reviewed_at=record.reviewed_at,
            )
        )
        places[name] += 1
    with transaction.atomic():
        ReviewedSegment.objects.filter(article=article).delete()
        ReviewedSegment.objects.bulk_create(kept)
    refresh_staleness(article)
    return count


def _key_at(name: str, place: int) -> str:
    """The key of the segment at `place` in the list `name`; the inverse of _list_and_place()."""
    if name == "body":
        return f"body:{place}"
    if name.startswith("exchange:"):
        return f"exchange:{place}:{name.removeprefix('exchange:')}"
    return name


def _editorial(text: str) -> list[str]:
    return [i for i in INSERTION.findall(text or "") if insertion_kind(i) is EDITORIAL]


def unsourced_insertions(translation: str, source: str) -> list[str]:
    """Editorial [insertions] in the translation beyond those the source itself has.

    Notes ([Editor's note: ...], [Translator's note: ...]) and [sic] are told apart: they are
    the newsroom's by name, so the reviewer sees them labelled rather than flagged.
    """
    found = _editorial(translation)
    return found[len(_editorial(source)) :]


def mark_insertions(translation: str, source: str) -> SafeString:
    """The translation, escaped, with each editorial insertion the source lacks marked for the
    reviewer, and each note or [sic] labelled with its kind."""
    text = translation or ""
    first_flagged = len(_editorial(text)) - len(unsourced_insertions(text, source))
    out, position, index = [], 0, 0
    for match in INSERTION.finditer(text):
        out.append(escape(text[position : match.start()]))
        kind = insertion_kind(match.group(0))
        if kind is not EDITORIAL:
            out.append(
                format_html(
                    '<mark class="typed-insertion typed-insertion--{}">'
                    '<span class="typed-insertion__label">{}</span> {}</mark>',
                    kind.key.replace("_", "-"),
                    kind.label.split(":")[0],
                    match.group(0),
                )
            )
        elif index >= first_flagged:
            out.append(
                format_html(
                    '<mark class="not-in-source" title="not in source">{}</mark>', match.group(0)
                )
            )
            index += 1
        else:
            out.append(escape(match.group(0)))
            index += 1
        position = match.end()
    out.append(escape(text[position:]))
    return mark_safe("".join(out))  # every piece above is escaped
