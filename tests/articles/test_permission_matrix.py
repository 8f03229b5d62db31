"""The permission matrix: what each role gets on each admin page. One table of admin URLs x
{anonymous, reporter, translator, editor}, then each role on the pages of each kind of object
and on a story in each state.

tests/articles/test_admin_urls.py requests every admin URL as every role and checks that nothing
leaks or breaks; this matrix says exactly what each person gets, from the roles as
articles/permissions.py implements them: a reporter edits only their own stories and only while
they are drafts; a translator edits the source text and the translation only while a story is in
translation review; an editor may do everything on the desk. Accounts are a superuser's job: no
role, editors included, holds a permission on users.

What the answers mean:

- 200 is a page. On a change page it is "edit" (a form that saves) or "view" (read only).
- LOGIN is a 302 to the admin's sign-in page: nobody is signed in.
- HOME is a 302 to the admin's home page: Django's answer to an object outside the person's
  queryset (articles.permissions.visible_articles), so its existence is not confirmed.
- 404 is the desk's own pages' answer to a story the person may not open; 403 a page or
  model the role has no permission for; 405 a page that only takes POST.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from taggit.models import Tag

from articles import workflow
from articles.models import Article, Contributor, Image, Section, StatusChange
from articles.roles import REPORTER
from tests.conftest import VerifiedClient
from tests.factories import (
    ArticleFactory,
    ContributorFactory,
    ImageFactory,
    SectionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Status = Article.Status

WHO = ("anonymous", "reporter", "translator", "editor")
LOGIN = "302 /admin/login/"
HOME = "302 /admin/"
EDIT, VIEW = "edit", "view"


@dataclass
class Desk:
    """A reporter's stories in four states, someone else's drafts, and one of everything else."""

    people: dict
    own_draft: Article
    others_draft: Article
    others_translated_draft: Article
    in_review: Article
    published: Article
    first_revision: int
    second_revision: int
    tag: Tag
    contributor: Contributor
    section: Section
    image: Image
    status_change: StatusChange


@pytest.fixture
def desk(reporter, translator, editor) -> Desk:
    someone = UserFactory(username="someone", role=REPORTER)
    own_draft = ArticleFactory(created_by=reporter)
    own_draft.body = "<p>Second save.</p>"
    own_draft.save()  # a second revision, so there are two to compare
    first, second = own_draft.history.order_by("history_id").values_list("history_id", flat=True)
    # Through the real moves, which also write the audit trail's rows.
    in_review = ArticleFactory(
        created_by=reporter, original_language="ar", source_headline="عنوان", source_body="نص"
    )
    workflow.transition(in_review, "submit", by=reporter)
    workflow.transition(in_review, "send_to_translation_review", by=editor)
    # The library a reporter may browse: a tag and a picture of a published story.
    image = ImageFactory()
    published = ArticleFactory(
        created_by=reporter, published=True, tags=["Daraa"], lead_image=image
    )
    return Desk(
        people={"reporter": reporter, "translator": translator, "editor": editor},
        own_draft=own_draft,
        others_draft=ArticleFactory(created_by=someone),
        others_translated_draft=ArticleFactory(created_by=someone, original_language="ar"),
        in_review=in_review,
        published=published,
        first_revision=first,
        second_revision=second,
        tag=Tag.objects.get(name="Daraa"),
        contributor=ContributorFactory(),
        section=SectionFactory(),
        image=image,
        status_change=StatusChange.objects.filter(article=in_review).first(),
    )


def admin(name: str, attribute: str | None = None) -> Callable[[Desk], str]:
    """The URL of admin page `name`, for the desk object held in `attribute` if any."""
    return lambda d: reverse(f"admin:{name}", args=[getattr(d, attribute).pk] if attribute else [])


def story(page: str, attribute: str, *extra) -> Callable[[Desk], str]:
    """The URL of a story's admin page, for the story held in `attribute` (then `extra` args)."""
    return lambda d: reverse(
        f"admin:articles_article_{page}",
        args=[getattr(d, attribute).pk, *(getattr(d, e) for e in extra)],
    )


def compare(d: Desk) -> str:
    url = reverse("admin:articles_article_compare", args=[d.own_draft.pk])
    return f"{url}?a={d.first_revision}&b={d.second_revision}"


def own_draft_page(page: str) -> str:
    """A 302 to one of the own draft's admin pages, filled in with the desk's ids later."""
    return f"302 /admin/articles/article/{{d.own_draft.pk}}/{page}/"


# page, method, URL, and what (anonymous, reporter, translator, editor) get.
TABLE = [
    ("index", "get", admin("index"), (LOGIN, 200, 200, 200)),
    ("story list", "get", admin("articles_article_changelist"), (LOGIN, 200, 200, 200)),
    ("story add", "get", admin("articles_article_add"), (LOGIN, 200, 403, 200)),
    ("own draft", "get", story("change", "own_draft"), (LOGIN, EDIT, HOME, EDIT)),
    ("someone else's draft", "get", story("change", "others_draft"), (LOGIN, HOME, HOME, EDIT)),
    (
        "someone else's draft with an original language",
        "get",
        story("change", "others_translated_draft"),
        (LOGIN, HOME, HOME, EDIT),
    ),
    (
        "own story in translation review",
        "get",
        story("change", "in_review"),
        (LOGIN, VIEW, EDIT, EDIT),
    ),
    ("own published story", "get", story("change", "published"), (LOGIN, VIEW, HOME, EDIT)),
    ("history of own draft", "get", story("history", "own_draft"), (LOGIN, 200, HOME, 200)),
    ("revisions of own draft", "get", story("revisions", "own_draft"), (LOGIN, 200, 404, 200)),
    (
        "revisions of someone else's draft",
        "get",
        story("revisions", "others_draft"),
        (LOGIN, 404, 404, 200),
    ),
    ("compare two revisions", "get", compare, (LOGIN, 200, 404, 200)),
    (
        "restore a revision, by GET",
        "get",
        story("restore", "own_draft", "first_revision"),
        (LOGIN, 405, 405, 405),
    ),
    (
        "restore a revision",
        "post",
        story("restore", "own_draft", "first_revision"),
        # The reporter is sent back to the revisions with "Only editors restore revisions."
        (LOGIN, own_draft_page("revisions"), 404, own_draft_page("change")),
    ),
    ("preview of own draft", "get", story("preview", "own_draft"), (LOGIN, 200, 404, 200)),
    (
        "preview of someone else's draft",
        "get",
        story("preview", "others_draft"),
        (LOGIN, 404, 404, 200),
    ),
    (
        # A reporter's draft stays between the reporter and the editors, translated or not.
        "preview of someone else's draft with an original language",
        "get",
        story("preview", "others_translated_draft"),
        (LOGIN, 404, 404, 200),
    ),
    ("translation review", "get", story("translation", "in_review"), (LOGIN, 200, 200, 200)),
    ("paste copy", "get", admin("articles_article_paste"), (LOGIN, 200, 403, 200)),
    ("story file format", "get", admin("articles_article_story_format"), (LOGIN, 200, 200, 200)),
    ("tag list", "get", admin("taggit_tag_changelist"), (LOGIN, 200, 200, 200)),
    ("tag add", "get", admin("taggit_tag_add"), (LOGIN, 403, 403, 200)),
    ("tag change", "get", admin("taggit_tag_change", "tag"), (LOGIN, VIEW, VIEW, EDIT)),
    ("tag delete", "get", admin("taggit_tag_delete", "tag"), (LOGIN, 403, 403, 200)),
    ("contributor list", "get", admin("articles_contributor_changelist"), (LOGIN, 200, 200, 200)),
    ("contributor add", "get", admin("articles_contributor_add"), (LOGIN, 200, 403, 200)),
    ("section list", "get", admin("articles_section_changelist"), (LOGIN, 200, 200, 200)),
    ("section add", "get", admin("articles_section_add"), (LOGIN, 403, 403, 200)),
    ("image list", "get", admin("articles_image_changelist"), (LOGIN, 200, 200, 200)),
    ("image add", "get", admin("articles_image_add"), (LOGIN, 200, 403, 200)),
    ("audit trail", "get", admin("articles_statuschange_changelist"), (LOGIN, 403, 403, 200)),
    (
        "audit trail entry",
        "get",
        admin("articles_statuschange_change", "status_change"),
        (LOGIN, 403, 403, VIEW),
    ),
    ("user list", "get", admin("auth_user_changelist"), (LOGIN, 403, 403, 403)),
    ("user add", "get", admin("auth_user_add"), (LOGIN, 403, 403, 403)),
    (
        "user change",
        "get",
        lambda d: reverse("admin:auth_user_change", args=[d.people["reporter"].pk]),
        (LOGIN, 403, 403, 403),
    ),
    # Signed-in staff in these tests are past the second factor already: verifying again just
    # goes on to the admin, and they may add an app or replace their recovery codes.
    ("two-factor verify", "get", lambda d: reverse("two_factor:verify"), (LOGIN, HOME, HOME, HOME)),
    ("two-factor setup", "get", lambda d: reverse("two_factor:setup"), (LOGIN, 200, 200, 200)),
    (
        "two-factor recovery codes",
        "get",
        lambda d: reverse("two_factor:recovery-codes"),
        (LOGIN, 200, 200, 200),
    ),
]


def answer(response) -> object:
    """The response in the table's words: a status, LOGIN/HOME-style redirects, edit or view."""
    if response.status_code == 302:
        return f"302 {urlsplit(response['Location']).path}"
    if (
        response.status_code == 200
        and response.context
        and "adminform" in response.context
        and response.context.get("change")
    ):
        return EDIT if response.context["has_change_permission"] else VIEW
    return response.status_code


def expected_answer(value: object, desk: Desk) -> object:
    return value.format(d=desk) if isinstance(value, str) else value


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [pytest.param(method, url, expected, id=page) for page, method, url, expected in TABLE],
)
def test_each_admin_page_answers_each_role_as_designed(desk, method, url, expected):
    got, want = {}, {}
    for who, value in zip(WHO, expected, strict=True):
        client = VerifiedClient()
        if who != "anonymous":
            client.force_login(desk.people[who])
        got[who] = answer(getattr(client, method)(url(desk)))
        want[who] = expected_answer(value, desk)
    assert got == want


def test_the_table_covers_every_role_and_the_pages_asked_for():
    pages = {page for page, *_ in TABLE}
    assert len(pages) == len(TABLE)
    assert {
        "index",
        "story list",
        "story add",
        "own draft",
        "someone else's draft",
        "own story in translation review",
        "own published story",
        "history of own draft",
        "revisions of own draft",
        "compare two revisions",
        "restore a revision",
        "preview of own draft",
        "translation review",
        "paste copy",
        "story file format",
        "tag add",
        "tag change",
        "tag delete",
        "contributor list",
        "contributor add",
        "section list",
        "section add",
        "image list",
        "image add",
        "audit trail",
        "audit trail entry",
        "user list",
        "two-factor verify",
        "two-factor setup",
        "two-factor recovery codes",
    } <= pages


# Every role on the pages of each kind of object, a story in each state -------------------

ROLES = ("reporter", "translator", "editor")


@pytest.fixture
def people(reporter, translator, editor):
    return {"reporter": reporter, "translator": translator, "editor": editor}


def page_status(client, user, url) -> int:
    client.force_login(user)
    return client.get(url).status_code


@pytest.mark.parametrize(
    ("model", "factory"),
    [("contributor", ContributorFactory), ("section", SectionFactory), ("image", ImageFactory)],
)
def test_change_and_delete_pages_of_the_other_models_follow_the_roles(
    client, people, model, factory
):
    obj = factory()
    if model == "image":  # the library a reporter browses: pictures of published stories
        ArticleFactory(published=True, lead_image=obj)
    change = reverse(f"admin:articles_{model}_change", args=[obj.pk])
    delete = reverse(f"admin:articles_{model}_delete", args=[obj.pk])
    # Reporters and translators may look (view permission) but not delete.
    assert {r: page_status(client, people[r], change) for r in ROLES} == dict.fromkeys(ROLES, 200)
    assert {r: page_status(client, people[r], delete) for r in ROLES} == {
        "reporter": 403,
        "translator": 403,
        "editor": 200,
    }


STORY_CASES = [
    # (who made it, state, translated) -> change page status and whether it is editable, per role
    ("reporter", Status.DRAFT, False, {"reporter": "edit", "translator": 404, "editor": "edit"}),
    ("reporter", Status.EDITING, False, {"reporter": "view", "translator": 404, "editor": "edit"}),
    ("someone", Status.DRAFT, False, {"reporter": 404, "translator": 404, "editor": "edit"}),
    (
        "reporter",
        Status.TRANSLATION_REVIEW,
        True,
        {"reporter": "view", "translator": "edit", "editor": "edit"},
    ),
    (
        "reporter",
        Status.APPROVED,
        True,
        {"reporter": "view", "translator": "view", "editor": "edit"},
    ),
    (
        "reporter",
        Status.PUBLISHED,
        False,
        {"reporter": "view", "translator": 404, "editor": "edit"},
    ),
    (
        "reporter",
        Status.WITHDRAWN,
        False,
        {"reporter": "view", "translator": 404, "editor": "edit"},
    ),
]


@pytest.mark.parametrize(("owner", "status", "translated", "expected"), STORY_CASES)
def test_story_change_page_per_role_owner_and_state(
    client, people, owner, status, translated, expected
):
    article = ArticleFactory(
        status=status,
        created_by=people.get(owner),
        original_language="ar" if translated else "",
        published_at="2020-01-01T00:00Z",
    )
    url = reverse("admin:articles_article_change", args=[article.pk])
    got = {}
    for role in ROLES:
        client.force_login(people[role])
        response = client.get(url, follow=True)
        if response.status_code != 200 or response.redirect_chain:
            # The admin answers a story one may not see by going home with a message.
            got[role] = 404
            continue
        got[role] = "edit" if response.context["has_change_permission"] else "view"
    assert got == expected


def test_story_delete_page_is_for_editors_only(client, people):
    article = ArticleFactory(created_by=people["reporter"])
    url = reverse("admin:articles_article_delete", args=[article.pk])
    codes = {r: page_status(client, people[r], url) for r in ROLES}
    assert codes["editor"] == 200
    assert codes["reporter"] == 403
    assert codes["translator"] in (302, 403)  # cannot even see the story


DESK_PAGES = ["revisions", "translation"]


@pytest.mark.parametrize("page", DESK_PAGES)
@pytest.mark.parametrize(
    ("owner", "status", "expected"),
    [
        ("reporter", Status.DRAFT, {"reporter": 200, "translator": 404, "editor": 200}),
        (
            "reporter",
            Status.TRANSLATION_REVIEW,
            {"reporter": 200, "translator": 200, "editor": 200},
        ),
        ("someone", Status.EDITING, {"reporter": 404, "translator": 404, "editor": 200}),
    ],
)
def test_desk_pages_of_a_story_follow_who_may_see_it(client, people, page, owner, status, expected):
    article = ArticleFactory(
        status=status,
        created_by=people.get(owner),
        original_language="ar" if status == Status.TRANSLATION_REVIEW else "",
    )
    url = reverse(f"admin:articles_article_{page}", args=[article.pk])
    assert {r: page_status(client, people[r], url) for r in ROLES} == expected


def test_the_audit_trail_is_read_only_and_for_editors(client, people):
    changelist = reverse("admin:articles_statuschange_changelist")
    assert {r: page_status(client, people[r], changelist) for r in ROLES} == {
        "reporter": 403,
        "translator": 403,
        "editor": 200,
    }
    assert page_status(client, people["editor"], reverse("admin:articles_statuschange_add")) == 403


def test_a_transition_on_a_story_one_cannot_see_is_not_found(client, people):
    article = ArticleFactory(status=Status.EDITING)
    client.force_login(people["translator"])
    url = reverse("admin:articles_article_transition", args=[article.pk, "approve"])
    assert client.post(url).status_code == 404
    article.refresh_from_db()
    assert article.status == Status.EDITING
