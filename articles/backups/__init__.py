"""Portable archives, moved whole into articles/backups/restore.py; split by concern in the next commit."""

from .restore import *  # noqa: F403
