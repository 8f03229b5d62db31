"""Reads that must see the primary database's latest state, with read replicas configured
(DATABASE_REPLICA_URLS; the router is newsroom/routers.py): a block inside
reading_from_the_primary() reads from the primary. The door's own reads always do."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_primary_only: ContextVar[bool] = ContextVar("newsroom_primary_only", default=False)


@contextmanager
def reading_from_the_primary(primary: bool = True) -> Iterator[None]:
    """Every read in this block goes to the primary (unless `primary` is false: then as usual)."""
    token = _primary_only.set(primary or _primary_only.get())
    try:
        yield
    finally:
        _primary_only.reset(token)


def is_primary_only() -> bool:
    return _primary_only.get()
