"""The site itself: settings, root URLs, operations. Its ready() connects, in one place, what
follows the door's announcement of a change (see docs/architecture.md)."""

from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self) -> None:
        from django.core.signals import request_finished
        from django.db.models.signals import post_migrate

        from articles import changes, notices, search, translation
        from public import caching

        from . import sqlite

        # What is derived from stories follows every change the door announces, in every
        # process (management commands included).
        for receiver in (
            caching.on_story_changed,
            search.on_story_changed,
            translation.on_story_changed,
            notices.on_story_changed,
            sqlite.on_story_changed,
        ):
            changes.story_changed.connect(
                receiver, dispatch_uid=f"{receiver.__module__}.on_story_changed"
            )

        # SQLite's planner keeps statistics of the archive (newsroom/sqlite.py).
        from django.apps import apps

        stories_app = apps.get_app_config("articles")
        post_migrate.connect(
            sqlite.on_post_migrate, sender=stories_app, dispatch_uid="newsroom.sqlite"
        )
        request_finished.connect(sqlite.on_request_finished, dispatch_uid="newsroom.sqlite")
