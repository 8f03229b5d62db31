"""Correcting one segment's English from the translation review page.

The reviewer types the corrected English of one segment (the headline, the standfirst, a
paragraph, a question or an answer); this turns it into the change of the whole story the door
expects (changes.edit_story), which checks that they may make it and records it like any other.
"""

import re

from django.utils.html import escape

from interviews.markup import answer_words
from interviews.models import Exchange

from . import changes
from .models import Article
from .translation import html_paragraphs

# The text's top-level paragraphs and headings, each with its inner HTML.
BLOCK = re.compile(r"<(p|h2|h3)(\s[^>]*)?>(.*?)</\1>", re.IGNORECASE | re.DOTALL)
EXCHANGE_KEY = re.compile(r"^exchange:(\d+):(question|answer)$")
BODY_KEY = re.compile(r"^body:(\d+)$")


class CannotCorrectHere(ValueError):
    """This segment is corrected in the story form instead; the message says why."""


def _body_with(body: str, place: int, text: str) -> str:
    blocks = list(BLOCK.finditer(body))
    if len(blocks) != len(html_paragraphs(body)) or place >= len(blocks):
        raise CannotCorrectHere(
            "This paragraph sits in a list or a quotation: correct it in the story form."
        )
    block = blocks[place]
    tag, attributes = block.group(1), block.group(2) or ""
    paragraph = f"<{tag}{attributes}>{escape(text)}</{tag}>"
    return body[: block.start()] + paragraph + body[block.end() :]


def correction(article: Article, key: str, text: str) -> changes.StoryChanges:
    """The change that gives segment `key` of `article` the English `text`."""
    text = text.strip()
    if key == "headline":
        if not text:
            raise CannotCorrectHere("A headline cannot be empty.")
        return changes.StoryChanges(fields={"headline": text})
    if key == "dek":
        return changes.StoryChanges(fields={"dek": text})
    match = BODY_KEY.match(key)
    if match:
        return changes.StoryChanges(fields={"body": _body_with(article.body, int(match[1]), text)})
    match = EXCHANGE_KEY.match(key)
    if match:
        place, part = int(match[1]), match[2]
        rows = []
        for index, exchange in enumerate(
            Exchange.objects.filter(article=article).order_by("position")
        ):
            values = {name: getattr(exchange, name) for name in changes.EXCHANGE_TEXT}
            if index == place:
                if answer_words(values[part]) != values[part]:
                    # The review page shows the words only: correcting here would drop them.
                    raise CannotCorrectHere(
                        "This answer has italics or links: correct it in the story form, which "
                        "keeps them."
                    )
                values[part] = text
            rows.append(changes.ExchangeRow(**values, pk=exchange.pk, position=exchange.position))
        if place >= len(rows):
            raise CannotCorrectHere("That exchange is no longer in the story: reload the page.")
        return changes.StoryChanges(exchanges=rows)
    raise CannotCorrectHere("That part of the story is corrected in the story form.")
