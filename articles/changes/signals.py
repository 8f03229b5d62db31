"""What the door announces: story_changed, sent once per change, and who sends it."""

from __future__ import annotations

from collections.abc import Iterable

from django.dispatch import Signal

from ..models import Article

# Sent once per change, inside its transaction, after everything is written. Arguments:
# article_ids (frozenset of the stories changed), changed (frozenset of field and part names, as
# in articles/permissions.py, plus "status", "corrections", "correction_original" (a correction's
# original-language text), "review", "library"), site_wide (True
# when something every page shows changed: a section, a contributor, an image, a tag).
story_changed = Signal()

# Sent once a new picture file is committed (an image added, or its file replaced) through the
# door, so that its renditions are made in the background (public/renditions.py) rather than for
# the first reader. Arguments: image_pk, file_name (the stored file's name).
picture_saved = Signal()


def announce(
    article_ids: Iterable[int], changed: Iterable[str], *, site_wide: bool = False
) -> None:
    """Tell what is derived from stories that these changed (once per change)."""
    story_changed.send(
        sender=Article,
        article_ids=frozenset(i for i in article_ids if i is not None),
        changed=frozenset(changed),
        site_wide=site_wide,
    )


def announce_restored_archive() -> None:
    """After an archive is restored: every story changed at once. Its translation staleness came
    with it, so only what archives do not carry follows (the page cache, the search vectors)."""
    announce(Article.objects.values_list("pk", flat=True), {"restore"}, site_wide=True)
