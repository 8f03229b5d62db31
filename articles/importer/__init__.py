"""Story files, moved whole into articles/importer/parsing.py; split by concern in the next commit."""

from .parsing import *  # noqa: F403
