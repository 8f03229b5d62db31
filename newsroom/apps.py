"""The site itself: settings, root URLs, operations. Its ready() connects, in one place, what
follows the door's announcement of a change (see docs/architecture.md)."""

from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self) -> None:
        from articles import changes, notices, search, translation
        from public import caching

        # What is derived from stories follows every change the door announces, in every
        # process (management commands included).
        for receiver in (
            caching.on_story_changed,
            search.on_story_changed,
            translation.on_story_changed,
            notices.on_story_changed,
        ):
            changes.story_changed.connect(
                receiver, dispatch_uid=f"{receiver.__module__}.on_story_changed"
            )
