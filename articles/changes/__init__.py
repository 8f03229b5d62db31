"""The one door: every change to a story, or to what readers see of it, goes through here.

Each function takes the person making the change as the keyword-only `by` and, in one
transaction:

1. locks the story and asks articles/permissions.py about it *as it was before the change*, so
   that an import cannot first make someone an owner and then ask whether they are one;
2. claims the story's version (claim_version): a form loaded before someone else's change is
   refused, naming them, and what was typed stays with the person;
3. writes, with text normalised (articles/text.py) and the body sanitised;
4. records the revision (a historical row of the story, with its tags) and the audit row
   (AuditEntry; a workflow move's is the StatusChange that articles/workflow/ writes, which is
   the door's workflow half);
5. announces the change once, with story_changed. What is derived from stories (the page cache,
   the search index, translation staleness) listens there, connected in articles/apps.py.

A refusal raises ChangeRefused (a PermissionDenied) having written nothing; its message is safe
to show the person and never names a story they may not open. While a request is handled,
WriteGuard refuses any write to the story tables that does not come through here.

The door is a package by concern, and everything public is imported here, so callers say
`from articles.changes import edit_story` (or `changes.edit_story`) whichever module holds it:

- bookkeeping.py: ChangeRefused and EditConflict, marking the door's writes, the audit row, the
  version claim (claim_version) and the message of an edit conflict;
- signals.py: story_changed and announce;
- story_changes.py: what a change says (StoryChanges and its rows) and what it would change;
- embargoes.py: setting, moving and lifting an embargo, and ending it at its time;
- stories.py: create, edit, delete and restore a story, corrections (and their original-language
  text), translation review;
- parts.py: writing a story's credits, interviewee and exchanges;
- tags.py: adding, renaming, merging and deleting tags;
- library.py: sections, contributors and images;
- previews.py: making and revoking a story's shareable preview links;
- guard.py: WriteGuard and WriteGuardMiddleware.
"""

from .bookkeeping import (
    ChangeRefused,
    EditConflict,
    audit,
    claim_version,
    door,
    edit_conflict_message,
    is_inside,
    through_the_door,
)
from .embargoes import end_expired_embargoes, lift_embargo, lifts_early, set_embargo
from .guard import (
    GUARDED_MODELS,
    WRITE,
    DoorBypassed,
    WriteGuard,
    WriteGuardMiddleware,
    guarded_tables,
)
from .library import delete_library_item, save_library_item, stories_showing
from .previews import create_preview_link, revoke_preview_link
from .signals import announce, announce_restored_archive, picture_saved, story_changed
from .stories import (
    Status,
    add_correction,
    confirm_translation,
    create_story,
    delete_story,
    edit_story,
    keep_revision_tags,
    restore_revision,
    translate_correction,
)
from .story_changes import (
    EXCHANGE_TEXT,
    FOREIGN_KEYS,
    KEEP,
    ONE_LINE,
    PARKING,
    TEXT_FIELDS,
    BylineRow,
    ExchangeRow,
    Interviewee,
    NewSection,
    StoryChanges,
    StoryState,
    changed_parts,
    state_of,
)
from .tags import create_tag, delete_tag, merge_tags, rename_tag

__all__ = [
    "EXCHANGE_TEXT",
    "FOREIGN_KEYS",
    "GUARDED_MODELS",
    "KEEP",
    "ONE_LINE",
    "PARKING",
    "TEXT_FIELDS",
    "WRITE",
    "BylineRow",
    "ChangeRefused",
    "DoorBypassed",
    "EditConflict",
    "ExchangeRow",
    "Interviewee",
    "NewSection",
    "Status",
    "StoryChanges",
    "StoryState",
    "WriteGuard",
    "WriteGuardMiddleware",
    "add_correction",
    "announce",
    "announce_restored_archive",
    "audit",
    "changed_parts",
    "claim_version",
    "confirm_translation",
    "create_preview_link",
    "create_story",
    "create_tag",
    "delete_library_item",
    "delete_story",
    "delete_tag",
    "door",
    "edit_conflict_message",
    "edit_story",
    "end_expired_embargoes",
    "guarded_tables",
    "is_inside",
    "keep_revision_tags",
    "lift_embargo",
    "lifts_early",
    "merge_tags",
    "picture_saved",
    "rename_tag",
    "restore_revision",
    "revoke_preview_link",
    "save_library_item",
    "set_embargo",
    "state_of",
    "stories_showing",
    "story_changed",
    "through_the_door",
    "translate_correction",
]
