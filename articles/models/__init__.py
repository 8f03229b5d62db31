"""Stories and who made them: Section, Contributor, Image, Article, Byline and StatusChange, and
the QuerySets that read them (which tags and contributors readers may see among them).

A package by concern, every model and helper imported here, so `from articles.models import
Article` works whichever module defines it; the app label and table names are those of
`articles`. Imports run one way inside it: library <- stories <- records.

- library.py: Section, Image, Contributor (the library stories draw on);
- stories.py: Article, its QuerySet, kinds and states, Byline, TagQuerySet and all_tags;
- records.py: StatusChange, Correction, ReviewedSegment, AuditEntry, and the revisions;
- notices.py: Notice, what the desk tells a reporter about their stories;
- autosaves.py: Autosave, what a person typed into the story form and has not saved;
- previews.py: PreviewLink and PreviewOpening, a story shared before it is published.
"""

from .autosaves import Autosave
from .library import Contributor, ContributorQuerySet, Image, Section
from .notices import Notice, NoticeKind, SentEmail
from .previews import PreviewLink, PreviewOpening
from .records import (
    AUDIT_ACTIONS,
    AuditEntry,
    Correction,
    ReviewedSegment,
    RevisionTags,
    StatusChange,
)
from .stories import (
    LIVE_STATES,
    ORIGINAL_TEXT_GIVEN,
    WORDS_PER_MINUTE,
    Article,
    ArticleKind,
    ArticleQuerySet,
    ArticleStatus,
    Byline,
    BylineRole,
    TagQuerySet,
    all_tags,
    is_right_to_left,
    language_choices,
)

__all__ = [
    "AUDIT_ACTIONS",
    "LIVE_STATES",
    "ORIGINAL_TEXT_GIVEN",
    "WORDS_PER_MINUTE",
    "Article",
    "ArticleKind",
    "ArticleQuerySet",
    "ArticleStatus",
    "AuditEntry",
    "Autosave",
    "Byline",
    "BylineRole",
    "Contributor",
    "ContributorQuerySet",
    "Correction",
    "Image",
    "Notice",
    "NoticeKind",
    "PreviewLink",
    "PreviewOpening",
    "ReviewedSegment",
    "RevisionTags",
    "Section",
    "SentEmail",
    "StatusChange",
    "TagQuerySet",
    "all_tags",
    "is_right_to_left",
    "language_choices",
]
