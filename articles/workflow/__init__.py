"""Editorial workflow. The only code that changes Article.status.

A package by concern, everything public re-exported here (`workflow.transition`,
`workflow.TRANSITIONS`...):

- moves.py: the table of transitions, who may make which (check), and making one (transition);
- roads.py: several moves in one action (path_to, advance), as "Save and publish" does;
- scheduled.py: scheduled stories going live at their time (publish_due).
"""

from .moves import (
    TRANSITIONS,
    Transition,
    TransitionNotAllowed,
    available_transitions,
    check,
    check_ready,
    check_translation_is_current,
    transition,
)
from .roads import CHAINABLE, advance, path_to
from .scheduled import DuePublication, publish_due

__all__ = [
    "CHAINABLE",
    "TRANSITIONS",
    "DuePublication",
    "Transition",
    "TransitionNotAllowed",
    "advance",
    "available_transitions",
    "check",
    "check_ready",
    "check_translation_is_current",
    "path_to",
    "publish_due",
    "transition",
]
