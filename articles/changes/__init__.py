"""The door, moved whole into articles/changes/stories.py; split by concern in the next commit."""

from .stories import *  # noqa: F403
