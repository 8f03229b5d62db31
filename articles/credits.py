"""What each byline role is, said once: the one mapping of a credit's role to how the byline, the
JSON-LD, the feeds and the wire API (public/api/) name it.

schema.org's NewsArticle (and Atom and Dublin Core in the feeds) know three kinds of credit: the
`author` who wrote it, the `translator`, and any other `contributor`. A writer, a reporter and an
interviewer wrote the story (an interview's questions are its text); a translator translated it;
a photographer and an editor contributed to it. The wire API gives each person the role itself
in the words partners use (IPTC ninjs `people[].rel`).
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from .models import BylineRole

if TYPE_CHECKING:
    from .models import Article, Contributor


class CreditKind(StrEnum):
    AUTHOR = "author"
    TRANSLATOR = "translator"
    CONTRIBUTOR = "contributor"


@dataclass(frozen=True)
class RoleCredit:
    kind: CreditKind
    # The role in the wire API's words (ninjs people[].rel).
    rel: str


ROLE_CREDITS: dict[str, RoleCredit] = {
    BylineRole.AUTHOR: RoleCredit(CreditKind.AUTHOR, "writer"),
    BylineRole.REPORTER: RoleCredit(CreditKind.AUTHOR, "writer"),
    BylineRole.INTERVIEWER: RoleCredit(CreditKind.AUTHOR, "interviewer"),
    BylineRole.TRANSLATOR: RoleCredit(CreditKind.TRANSLATOR, "translator"),
    BylineRole.PHOTOGRAPHER: RoleCredit(CreditKind.CONTRIBUTOR, "photographer"),
    BylineRole.EDITOR: RoleCredit(CreditKind.CONTRIBUTOR, "editor"),
}


def credit_kind(role: str) -> CreditKind:
    """The kind of credit a byline role is (an unknown role is a contributor's)."""
    found = ROLE_CREDITS.get(role)
    return found.kind if found else CreditKind.CONTRIBUTOR


def role_rel(role: str) -> str:
    """The role in the wire API's words."""
    found = ROLE_CREDITS.get(role)
    return found.rel if found else str(role)


def credited(article: "Article", kind: CreditKind) -> list["Contributor"]:
    """Everyone credited on `article` as `kind`, in byline order, once each (uses prefetched
    bylines: no extra query)."""
    people: list[Contributor] = []
    for byline in sorted(article.bylines.all(), key=lambda b: b.position):
        if credit_kind(byline.role) == kind and byline.contributor not in people:
            people.append(byline.contributor)
    return people
