"""The one place a byline is formatted: "By A, B and C · Translated from Arabic by D"."""

from dataclasses import dataclass

from django import template

from articles.credits import CreditKind, credited
from articles.models import Article, Byline, Contributor

register = template.Library()

Role = Byline.Role

# The order credits are read in, and the words that introduce each role. Authors and reporters
# share the plain "By"; a story credits its writers first, then who helped make it.
ROLE_ORDER: list[tuple[tuple[str, ...], str]] = [
    ((Role.AUTHOR, Role.REPORTER), "By"),
    ((Role.INTERVIEWER,), "Interview by"),
    ((Role.TRANSLATOR,), "Translated by"),
    ((Role.PHOTOGRAPHER,), "Photographs by"),
    ((Role.EDITOR,), "Edited by"),
]


@dataclass(frozen=True)
class Credit:
    """One part of a byline: the words before the names, and the people named."""

    label: str
    contributors: tuple[Contributor, ...]

    @property
    def text(self) -> str:
        return f"{self.label} {join_names([c.name for c in self.contributors])}"


def join_names(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def credits_for(article: Article) -> list[Credit]:
    """The byline of `article` as ordered credits. Uses prefetched bylines: no extra query."""
    bylines = sorted(article.bylines.all(), key=lambda b: b.position)
    credits = []
    for roles, label in ROLE_ORDER:
        people: list[Contributor] = []
        for byline in bylines:
            if byline.role in roles and byline.contributor not in people:
                people.append(byline.contributor)
        if not people:
            continue
        if roles == (Role.TRANSLATOR,) and article.is_translated:
            label = f"Translated from {article.original_language_name} by"
        credits.append(Credit(label, tuple(people)))
    return credits


def format_byline(article: Article) -> str:
    """The byline as plain text, for feeds, metadata and anywhere HTML does not belong."""
    return " · ".join(credit.text for credit in credits_for(article))


def authors_of(article: Article) -> list[Contributor]:
    """Who wrote the story (articles/credits.py): the authors named in feeds and JSON-LD.
    Translators and photographers are named there as what they are, not as authors."""
    return credited(article, CreditKind.AUTHOR)


def translators_of(article: Article) -> list[Contributor]:
    return credited(article, CreditKind.TRANSLATOR)


def contributors_of(article: Article) -> list[Contributor]:
    """Everyone else credited: photographers and editors."""
    return credited(article, CreditKind.CONTRIBUTOR)


@register.inclusion_tag("includes/byline.html")
def byline(article: Article, link: bool = True):
    """{% byline article %}: the credits, each name linked to the contributor's page."""
    return {"credits": credits_for(article), "link": link}


@register.filter
def byline_text(article: Article) -> str:
    return format_byline(article)
