"""One action, several moves: the road "Save and publish" takes through the workflow table."""

from copy import copy
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction

from ..models import Article, StatusChange
from .moves import TRANSITIONS, Transition, TransitionNotAllowed, check, transition

Status = Article.Status


# Moves that one action ("Save and publish") may make in a row: none that is someone else's review
# decision (passing or returning a translation) or that needs words (a comment, a reason).
CHAINABLE: tuple[str, ...] = ("submit", "approve", "schedule", "publish")


def path_to(article: Article, target: str, *, by: User) -> list[Transition] | None:
    """The moves, in order, that take `article` from its state to `target` for `by`, as the
    workflow table has them: the shortest road of chainable moves that `by` may make, each one
    allowed in the state the one before leaves. None when there is no such road; [] when the
    story is there already. A story not yet saved counts as a draft of `by`'s own."""
    if article.status == target:
        return []
    roads: list[tuple[str, list[Transition]]] = [(article.status, [])]
    seen = {article.status}
    while roads:
        state, road = roads.pop(0)
        for name in CHAINABLE:
            spec = TRANSITIONS[name]
            if state not in spec.sources or spec.target in seen:
                continue
            if not _may_make(article, spec, state, by=by):
                continue
            if spec.target == target:
                return [*road, spec]
            seen.add(spec.target)
            roads.append((spec.target, [*road, spec]))
    return None


def _may_make(article: Article, spec: Transition, state: str, *, by: User) -> bool:
    if article.pk is None:
        # A new story: its creator's own draft; check() asks the database about saved ones.
        return by.has_perm(spec.permission) and not (
            spec.name == "approve" and article.is_translated
        )
    moved = copy(article)
    moved.status = state
    try:
        check(moved, spec, by=by)
    except (TransitionNotAllowed, PermissionDenied):
        return False
    return True


def advance(
    article: Article,
    target: str,
    *,
    by: User,
    comment: str = "",
    publish_at: datetime | None = None,
) -> list[StatusChange]:
    """Take `article` to `target` (published, scheduled...) in one action, making every move on
    the road path_to() finds, each checked and recorded as if made on its own (a StatusChange and
    an audit row each). All or nothing: a refused move undoes the ones before it. Only the last
    move tells its queue; the people of the queues passed through have nothing left to do."""
    spec = TRANSITIONS.get(target)
    goal = spec.target if spec is not None else target
    with transaction.atomic():
        current = Article.objects.select_for_update().get(pk=article.pk)
        road = path_to(current, goal, by=by)
        if road is None:
            label = Status(goal).label.lower() if goal in Status.values else goal
            raise TransitionNotAllowed(
                f"The story cannot be made {label} from {current.get_status_display().lower()} "
                "in one step: use the workflow's moves one by one."
            )
        made = []
        for number, step in enumerate(road, start=1):
            last = number == len(road)
            made.append(
                transition(
                    article,
                    step.name,
                    by=by,
                    comment=comment if last else "",
                    publish_at=publish_at if step.name == "schedule" else None,
                    notify=last,
                )
            )
    return made
