"""Story revisions: a story, its credits, interviewee and exchanges as they stood after each save.

django-simple-history keeps a historical row for every save of each model. One admin save writes
the story first and its inline rows just after, so a revision is the story's historical row plus
the state of its rows up to the story's next save. Restoring a revision (articles/changes/,
restore_revision) writes the old content back as a new save, and so becomes a revision itself;
history is never rewritten.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils.safestring import SafeString

from interviews.markup import answer_words
from interviews.models import Exchange, Interview

from .diffs import word_diff
from .models import Article, Byline, Contributor, Image, Section
from .translation import html_paragraphs

# What a revision brings back: the words and the shape of the story, never its workflow state,
# which only articles/workflow/ moves.
RESTORED_FIELDS = (
    "headline",
    "slug",
    "dek",
    "body",
    "kind",
    "section_id",
    "lead_image_id",
    "original_language",
    "source_headline",
    "source_dek",
    "source_body",
)
LABELS = {
    "headline": "Headline",
    "slug": "Address",
    "dek": "Standfirst",
    "body": "Text",
    "kind": "Kind",
    "section_id": "Section",
    "lead_image_id": "Lead image",
    "original_language": "Original language",
    "source_headline": "Original headline",
    "source_dek": "Original standfirst",
    "source_body": "Original text",
}


@dataclass
class Revision:
    history_id: int
    number: int
    at: datetime
    by: User | None
    reason: str
    fields: dict[str, object]
    bylines: list[dict] = field(default_factory=list)
    exchanges: list[dict] = field(default_factory=list)
    interview: dict | None = None
    # The tags as they stood, or None for a revision written before tags were kept.
    tags: list[str] | None = None


@dataclass
class Difference:
    label: str
    diff: SafeString
    # Text in the story's original language (set right to left where that language is).
    is_original: bool = False


ORIGINAL_LABELS = ("Original headline", "Original standfirst", "Original text")


def is_original_text(label: str) -> bool:
    return label in ORIGINAL_LABELS or label.startswith(("Original question", "Original answer"))


def _same_line_endings(text: str) -> str:
    """A text typed on Windows (\r\n) or an old Mac (\r) reads the same as one with \n."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _rows_as_of(history_rows: list, until: datetime | None) -> list:
    """The live rows at `until` from a list of historical rows (all of one story's rows)."""
    latest: dict[object, Any] = {}
    for row in history_rows:  # oldest first, so the last one seen per id wins
        if until is None or row.history_date < until:
            latest[row.id if hasattr(row, "id") else row.article_id] = row
    return [row for row in latest.values() if row.history_type != "-"]


def revisions(article: Article) -> list[Revision]:
    """Every revision of `article`, newest first, numbered from 1 for the first save."""
    records = list(
        article.history.order_by("history_date", "history_id").select_related("history_user")
    )
    bylines = list(
        Byline.history.filter(article_id=article.pk).order_by("history_date", "history_id")
    )
    exchanges = list(
        Exchange.history.filter(article_id=article.pk).order_by("history_date", "history_id")
    )
    interviews = list(
        Interview.history.filter(article_id=article.pk).order_by("history_date", "history_id")
    )
    result = []
    for index, record in enumerate(records):
        until = records[index + 1].history_date if index + 1 < len(records) else None
        interview = _rows_as_of(interviews, until)
        result.append(
            Revision(
                history_id=record.history_id,
                number=index + 1,
                at=record.history_date,
                by=record.history_user,
                reason=record.history_change_reason or "",
                fields={name: getattr(record, name) for name in RESTORED_FIELDS},
                bylines=[
                    {"contributor_id": b.contributor_id, "role": b.role, "position": b.position}
                    for b in sorted(_rows_as_of(bylines, until), key=lambda b: b.position)
                ],
                exchanges=[
                    {
                        "position": e.position,
                        "question": e.question,
                        "answer": e.answer,
                        "question_original": e.question_original,
                        "answer_original": e.answer_original,
                    }
                    for e in sorted(_rows_as_of(exchanges, until), key=lambda e: e.position)
                ],
                tags=record.tag_names,
                interview={
                    "interviewee_name": interview[0].interviewee_name,
                    "interviewee_description": interview[0].interviewee_description,
                }
                if interview
                else None,
            )
        )
    result.reverse()
    return result


def get_revision(article: Article, history_id: int) -> Revision | None:
    return next((r for r in revisions(article) if r.history_id == history_id), None)


def _readable(revision: Revision, names: dict) -> dict[str, str]:
    """A revision as labelled plain texts, ready to diff."""
    fields = revision.fields
    text = {
        LABELS[name]: str(fields[name] or "")
        for name in RESTORED_FIELDS
        if name not in ("body", "section_id", "lead_image_id")
    }
    text["Text"] = "\n\n".join(html_paragraphs(str(fields["body"] or "")))
    text["Section"] = names["section"].get(fields["section_id"], "")
    text["Lead image"] = names["image"].get(fields["lead_image_id"], "")
    text["Credits"] = ", ".join(
        f"{names['contributor'].get(b['contributor_id'], '(removed)')} ({b['role']})"
        for b in revision.bylines
    )
    if revision.tags is not None:
        text["Tags"] = ", ".join(revision.tags)
    if revision.interview:
        text["Interviewee"] = (
            f"{revision.interview['interviewee_name']}, "
            f"{revision.interview['interviewee_description']}"
        )
    for number, exchange in enumerate(revision.exchanges, start=1):
        text[f"Question {number}"] = exchange["question"]
        text[f"Answer {number}"] = answer_words(exchange["answer"])
        text[f"Original question {number}"] = exchange["question_original"]
        text[f"Original answer {number}"] = exchange["answer_original"]
    return {label: _same_line_endings(value or "") for label, value in text.items()}


def changed_labels(older: Revision, newer: Revision) -> list[str]:
    """What changed from `older` to `newer`, by label, without diffing the words: the list of
    revisions shows only this, and a long text's word diff is not cheap."""
    return [difference.label for difference in compare(older, newer, with_diffs=False)]


def seen_since(every: list[Revision], since) -> list[Revision]:
    """The revisions from `since` on (newest first), and the one in effect at that moment: what
    someone who joined the story then has seen of it."""
    if since is None:
        return every
    later = [revision for revision in every if revision.at >= since]
    earlier = [revision for revision in every if revision.at < since]
    return later + earlier[:1]


def compare(older: Revision, newer: Revision, *, with_diffs: bool = True) -> list[Difference]:
    """What changed from `older` to `newer`, field by field, as word-level diffs."""
    ids = {
        "section": {older.fields["section_id"], newer.fields["section_id"]},
        "image": {older.fields["lead_image_id"], newer.fields["lead_image_id"]},
        "contributor": {b["contributor_id"] for b in older.bylines + newer.bylines},
    }
    names = {
        "section": dict(Section.objects.filter(pk__in=ids["section"]).values_list("pk", "name")),
        "image": dict(Image.objects.filter(pk__in=ids["image"]).values_list("pk", "alt_text")),
        "contributor": dict(
            Contributor.objects.filter(pk__in=ids["contributor"]).values_list("pk", "name")
        ),
    }
    old, new = _readable(older, names), _readable(newer, names)
    labels = list(dict.fromkeys([*old, *new]))
    return [
        Difference(
            label,
            word_diff(old.get(label, ""), new.get(label, "")) if with_diffs else SafeString(""),
            is_original=is_original_text(label),
        )
        for label in labels
        if old.get(label, "") != new.get(label, "")
    ]
