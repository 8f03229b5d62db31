"""Read replicas: readers' pages read from a replica, everything else uses the primary.

Installed only when DATABASE_REPLICA_URLS names replicas (settings: DATABASE_REPLICAS). A
replica is a streaming copy of the primary, a few milliseconds behind, so what must see the
latest state reads from the primary:

- every write, and every read inside a transaction or inside the door (articles/changes/),
  whose rules check the state they are about to change;
- the desk (/admin/) and any request with a session, i.e. signed-in staff, who must see their
  own change at once (PrimaryForStaffMiddleware);
- sessions, accounts, sign-in throttling, second factors, and the page cache's table
  (CACHE_URL=db://), whose entries must be the ones the door just forgot.

What is left is readers' pages, which read from a replica chosen for the request. A replica
that cannot be reached is left alone for REPLICA_RETRY_SECONDS and its readers read from another
replica, or from the primary: readers get the page a little slower rather than an error.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from articles.changes.bookkeeping import is_inside
from articles.primary import is_primary_only, reading_from_the_primary

logger = logging.getLogger(__name__)

# How long a replica that could not be reached is left out before it is tried again.
REPLICA_RETRY_SECONDS = 10.0

# Replica alias -> time.monotonic() until which it is left out (per process).
_down_until: dict[str, float] = {}

_replica: ContextVar[str | None] = ContextVar("newsroom_replica", default=None)

# Apps whose tables are read on the primary only (the page cache's table is "django_cache").
PRIMARY_APPS = frozenset(
    {"sessions", "auth", "admin", "accounts", "axes", "otp_totp", "otp_static", "django_otp",
     "django_cache"}
)  # fmt: skip


def replicas() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


def reads_from_a_replica() -> bool:
    """Would a read of a reader's page made now go to a replica?"""
    if not replicas() or is_primary_only() or is_inside():
        return False
    return not connections[DEFAULT_DB_ALIAS].in_atomic_block


def choose_replica() -> str:
    """A reachable replica, chosen at random; the primary when none can be reached.

    Connecting is the test: with persistent connections (CONN_MAX_AGE, health checks on) it costs
    nothing on a replica already in use, and a replica that refuses is left out for a while so
    that the next readers do not each wait for it.
    """
    candidates = replicas()
    random.shuffle(candidates)
    now = time.monotonic()
    for alias in candidates:
        if _down_until.get(alias, 0.0) > now:
            continue
        try:
            connections[alias].ensure_connection()
        except DatabaseError:
            _down_until[alias] = now + REPLICA_RETRY_SECONDS
            logger.warning(
                "Replica %s cannot be reached; readers use another database for %.0f s.",
                alias,
                REPLICA_RETRY_SECONDS,
                exc_info=True,
            )
            continue
        _down_until.pop(alias, None)
        return alias
    return DEFAULT_DB_ALIAS


class ReplicaRouter:
    """The database router (settings: DATABASE_ROUTERS, when there are replicas)."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if not reads_from_a_replica() or model._meta.app_label in PRIMARY_APPS:
            return DEFAULT_DB_ALIAS
        chosen = _replica.get()
        if chosen is None:
            # One database for the whole request, so that its reads see one moment.
            chosen = choose_replica()
            _replica.set(chosen)
        return chosen

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # replicas follow the primary's schema


class PrimaryForStaffMiddleware:
    """Requests to the desk, and requests with a session (signed-in staff: readers have none),
    read from the primary, so that an editor sees their own change at once. Every request starts
    without a chosen replica."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        staff = (
            request.path.startswith("/admin/") or settings.SESSION_COOKIE_NAME in request.COOKIES
        )
        replica = _replica.set(None)
        try:
            with reading_from_the_primary(staff):
                return self.get_response(request)
        finally:
            _replica.reset(replica)
