"""Story files: plain-text copy in, a draft story out (the format: docs/story-format.md).

Parsing and saving are separate steps: parse_story() reads the whole file and raises
StoryFormatError naming the file and line before anything touches the database, and save_story()
writes one story in one transaction.

A package by concern, everything public imported here (`from articles.importer import
parse_story`):

- story_file.py: the format's header keys and limits, StoryFormatError, ParsedStory, dates and
  cleaned lines;
- parsing.py: parse_story;
- saving.py: save_story, import_story_text, import_story_file.
"""

from .parsing import parse_original_text, parse_story
from .saving import ImportResult, import_story_file, import_story_text, save_story
from .story_file import (
    HEADER_KEYS,
    MAX_BYLINES,
    MAX_LENGTHS,
    NUL_MESSAGE,
    REPEATABLE_KEYS,
    ParsedByline,
    ParsedStory,
    StoryFormatError,
    clean_lines,
    parse_date,
)

__all__ = [
    "HEADER_KEYS",
    "MAX_BYLINES",
    "MAX_LENGTHS",
    "NUL_MESSAGE",
    "REPEATABLE_KEYS",
    "ImportResult",
    "ParsedByline",
    "ParsedStory",
    "StoryFormatError",
    "clean_lines",
    "import_story_file",
    "import_story_text",
    "parse_date",
    "parse_original_text",
    "parse_story",
    "save_story",
]
