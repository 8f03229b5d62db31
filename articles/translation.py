"""Translation review: source and English cut into segments, and what changed since review.

A segment is the headline, the standfirst, one body paragraph, or one exchange's question or
answer. When a translation passes review, each segment's source text is fingerprinted
(ReviewedSegment). A segment whose source no longer matches its fingerprint is stale, and a story
with a stale segment cannot be published: articles/workflow.py asks stale_segments() before
publishing or scheduling.
"""

import difflib
import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe

from interviews.models import INSERTION, paragraphs

from .models import Article, ReviewedSegment

BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|figcaption)>|<br\s*/?>", re.IGNORECASE)


@dataclass
class Segment:
    key: str
    label: str
    source: str
    translation: str


@dataclass
class SegmentReview:
    """One row of the review page: a segment with what the reviewer needs to know about it."""

    segment: Segment
    reviewed: ReviewedSegment | None
    fingerprint: str
    flags: list[str] = field(default_factory=list)

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
    for number, exchange in enumerate(article.exchanges.order_by("position"), start=1):
        result.append(
            Segment(
                f"exchange:{exchange.pk}:question",
                f"Question {number}",
                exchange.question_original,
                exchange.question,
            )
        )
        result.append(
            Segment(
                f"exchange:{exchange.pk}:answer",
                f"Answer {number}",
                exchange.answer_original,
                exchange.answer,
            )
        )
    return result


def review(article: Article) -> list[SegmentReview]:
    """Every segment with its review record, fingerprint and flags, for the review page."""
    reviewed = {r.key: r for r in article.reviewed_segments.all()}
    rows = []
    for segment in segments(article):
        row = SegmentReview(segment, reviewed.get(segment.key), fingerprint(segment.source))
        if segment.source and not segment.translation:
            row.flags.append("no translation")
        if segment.translation and not segment.source:
            row.flags.append("no source text")
        if unsourced_insertions(segment.translation, segment.source):
            row.flags.append("not in source")
        rows.append(row)
    return rows


def stale_segments(article: Article) -> list[SegmentReview]:
    """Segments whose source changed since the translation was reviewed (or was never reviewed)."""
    if not article.is_translated:
        return []
    return [row for row in review(article) if row.is_stale]


def refresh_staleness(article: Article) -> bool:
    """Store whether any segment is stale, so readers' queries can hold a scheduled story back.

    Call after anything that may change the source or its review: an admin save, a restore, a
    review. Returns the new value.
    """
    stale = bool(stale_segments(article))
    if stale != article.translation_is_stale:
        Article.objects.filter(pk=article.pk).update(translation_is_stale=stale)
        article.translation_is_stale = stale
        from .caching import invalidate_public_pages

        invalidate_public_pages()
    return stale


def has_source_text(article: Article) -> bool:
    return any(segment.source for segment in segments(article))


def record_review(
    article: Article,
    *,
    by: AbstractBaseUser | None,
    at: datetime | None = None,
    keys: set[str] | None = None,
) -> int:
    """Remember each segment's source as reviewed by `by` now; only `keys` if given."""
    at = at or timezone.now()
    count = 0
    for segment in segments(article):
        if keys is not None and segment.key not in keys:
            continue
        ReviewedSegment.objects.update_or_create(
            article=article,
            key=segment.key,
            defaults={
                "source_fingerprint": fingerprint(segment.source),
                "source_text": segment.source,
                "reviewed_by": by,
                "reviewed_at": at,
            },
        )
        count += 1
    refresh_staleness(article)
    return count


def unsourced_insertions(translation: str, source: str) -> list[str]:
    """Bracketed insertions in the translation beyond those the source itself has."""
    found = INSERTION.findall(translation or "")
    return found[len(INSERTION.findall(source or "")) :]


def mark_insertions(translation: str, source: str) -> SafeString:
    """The translation, escaped, with each insertion the source lacks marked for the reviewer."""
    flagged = len(unsourced_insertions(translation, source))
    insertions = INSERTION.findall(translation or "")
    first_flagged = len(insertions) - flagged
    out, position, index = [], 0, 0
    for match in INSERTION.finditer(translation or ""):
        out.append(escape(translation[position : match.start()]))
        if index >= first_flagged:
            out.append(
                format_html(
                    '<mark class="not-in-source" title="not in source">{}</mark>', match.group(0)
                )
            )
        else:
            out.append(escape(match.group(0)))
        position, index = match.end(), index + 1
    out.append(escape((translation or "")[position:]))
    return mark_safe("".join(out))  # every piece above is escaped


def word_diff(old: str, new: str) -> SafeString:
    """`old` against `new` word by word: removed words in <del>, added ones in <ins>, escaped."""
    old_words, new_words = (old or "").split(), (new or "").split()
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    out = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape(" ".join(old_words[a1:a2])))
            continue
        if op in ("delete", "replace"):
            out.append(format_html("<del>{}</del>", " ".join(old_words[a1:a2])))
        if op in ("insert", "replace"):
            out.append(format_html("<ins>{}</ins>", " ".join(new_words[b1:b2])))
    return mark_safe(" ".join(out))  # every piece above is escaped
