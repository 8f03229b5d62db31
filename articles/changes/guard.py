"""The guard: while a request is handled, a write to the story tables that does not come
through the door is refused (WriteGuard, WriteGuardMiddleware)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from taggit.models import Tag, TaggedItem

from interviews.models import Exchange, Interview

from ..models import (
    Article,
    AuditEntry,
    Byline,
    Contributor,
    Correction,
    Image,
    PreviewLink,
    Section,
    StatusChange,
)
from .bookkeeping import is_inside

# The tables only the door writes: stories, their parts, their history and audit, the library,
# and the preview links that open a story to someone outside the newsroom. (A preview link's
# openings, PreviewOpening, are written by the reader's own request and are not guarded.)
GUARDED_MODELS: tuple[type[models.Model], ...] = (
    Article,
    Byline,
    Correction,
    StatusChange,
    AuditEntry,
    Section,
    Contributor,
    Image,
    Exchange,
    Interview,
    Tag,
    TaggedItem,
    PreviewLink,
)


def guarded_tables() -> frozenset[str]:
    from ..models import ReviewedSegment

    every: tuple[type[models.Model], ...] = (*GUARDED_MODELS, ReviewedSegment)
    tables = {model._meta.db_table for model in every}
    for model in GUARDED_MODELS:
        history = getattr(model, "history", None)
        if history is not None:
            tables.add(history.model._meta.db_table)
    return frozenset(tables)


WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[\"`]?(\w+)", re.IGNORECASE)


class DoorBypassed(RuntimeError):
    """A write to a story table that did not come through the door (articles/changes/)."""


class WriteGuard:
    """A database execute wrapper that refuses writes to the story tables outside the door.

    Installed for every request (newsroom/middleware.py) and by the tests that walk every write
    path, so that a path added later, or an admin action a library registers, cannot change a
    story without the door's checks, revision and audit row.
    """

    def __init__(self) -> None:
        self.tables = guarded_tables()

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        if not is_inside():
            match = WRITE.match(sql)
            if match and match.group(1).lower() in self.tables:
                raise DoorBypassed(
                    f"A write to {match.group(1)} did not come through the door "
                    "(articles/changes/)."
                )
        return execute(sql, params, many, context)


class WriteGuardMiddleware:
    """Every request runs under WriteGuard, on every database it may use."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.guard: WriteGuard | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from contextlib import ExitStack

        from django.db import connections

        if self.guard is None:  # the tables are known once every app is loaded
            self.guard = WriteGuard()
        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(self.guard))
            return self.get_response(request)
