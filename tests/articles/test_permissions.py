"""Who may see and change which story in which state: the rules, and every role on every page."""

import pytest
from django.urls import reverse

from articles import permissions
from articles.models import Article, Byline
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    ContributorFactory,
    ImageFactory,
    InterviewArticleFactory,
    SectionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Status = Article.Status
ROLES = ("reporter", "translator", "editor")


@pytest.fixture
def people(reporter, translator, editor):
    return {"reporter": reporter, "translator": translator, "editor": editor}


# The rules


@pytest.mark.parametrize("status", Status.values)
def test_reporter_changes_own_story_only_while_it_is_a_draft(reporter, status):
    own = ArticleFactory(status=status, created_by=reporter, published_at="2020-01-01T00:00Z")
    assert permissions.can_change_article(reporter, own) == (status == Status.DRAFT)


def test_reporter_may_not_change_someone_elses_draft(reporter):
    assert not permissions.can_change_article(reporter, ArticleFactory())


def test_a_credited_reporter_may_change_the_draft_they_are_credited_on(reporter):
    article = ArticleFactory()
    BylineFactory(article=article, contributor=ContributorFactory(user=reporter))
    assert permissions.can_change_article(reporter, article)


@pytest.mark.parametrize("status", Status.values)
def test_translator_changes_a_story_only_in_translation_review(translator, status):
    article = ArticleFactory(
        status=status, original_language="ar", published_at="2020-01-01T00:00Z"
    )
    assert permissions.can_change_article(translator, article) == (
        status == Status.TRANSLATION_REVIEW
    )


def test_translator_edits_only_the_source_and_translation_fields(translator):
    article = ArticleFactory(status=Status.TRANSLATION_REVIEW, original_language="ar")
    fields = ["headline", "slug", "kind", "section", "source_body", "body", "published_at"]
    assert permissions.readonly_article_fields(translator, article, fields) == {
        "slug",
        "kind",
        "section",
        "published_at",
    }
    assert permissions.editable_exchange_fields(translator, article) == {
        "question",
        "answer",
        "question_original",
        "answer_original",
    }
    assert not permissions.can_change_credits(translator, article)


@pytest.mark.parametrize("status", Status.values)
def test_editor_may_change_and_delete_every_story_in_every_state(editor, status):
    article = ArticleFactory(status=status, published_at="2020-01-01T00:00Z")
    assert permissions.can_change_article(editor, article)
    assert permissions.can_delete_article(editor, article)
    assert permissions.readonly_article_fields(editor, article, ["published_at", "kind"]) == set()


def test_only_editors_delete_stories(reporter, translator, editor):
    article = ArticleFactory(created_by=reporter)
    assert [permissions.can_delete_article(u, article) for u in (reporter, translator, editor)] == [
        False,
        False,
        True,
    ]


def test_reporter_sees_only_own_stories_and_translator_only_translated_ones(
    reporter, translator, editor
):
    own = ArticleFactory(created_by=reporter)
    credited = ArticleFactory()
    BylineFactory(article=credited, contributor=ContributorFactory(user=reporter))
    translated = ArticleFactory(original_language="ar", status=Article.Status.EDITING)
    translated_draft = ArticleFactory(original_language="ar")
    plain = ArticleFactory()
    everything = Article.objects.all()
    assert set(permissions.visible_articles(everything, user=reporter)) == {own, credited}
    # A reporter's draft stays between the reporter and the editors, translated or not.
    assert set(permissions.visible_articles(everything, user=translator)) == {translated}
    assert set(permissions.visible_articles(everything, user=editor)) == {
        own,
        credited,
        translated,
        translated_draft,
        plain,
    }


def test_a_user_without_a_role_sees_nothing():
    nobody = UserFactory()
    assert not permissions.visible_articles(Article.objects.all(), user=nobody).exists()
    assert not permissions.can_change_article(nobody, ArticleFactory())


def test_an_inactive_editor_may_do_nothing(editor):
    editor.is_active = False
    assert not permissions.can_change_article(editor, ArticleFactory())


# Every role on every admin page


def page_status(client, user, url) -> int:
    client.force_login(user)
    return client.get(url).status_code


@pytest.mark.parametrize(
    "page, expected",
    [
        ("admin:index", {"reporter": 200, "translator": 200, "editor": 200}),
        ("admin:articles_article_changelist", {"reporter": 200, "translator": 200, "editor": 200}),
        ("admin:articles_article_add", {"reporter": 200, "translator": 403, "editor": 200}),
        ("admin:articles_article_paste", {"reporter": 200, "translator": 403, "editor": 200}),
        (
            "admin:articles_contributor_changelist",
            {"reporter": 200, "translator": 200, "editor": 200},
        ),
        ("admin:articles_contributor_add", {"reporter": 200, "translator": 403, "editor": 200}),
        ("admin:articles_section_changelist", {"reporter": 200, "translator": 200, "editor": 200}),
        ("admin:articles_section_add", {"reporter": 403, "translator": 403, "editor": 200}),
        ("admin:articles_image_changelist", {"reporter": 200, "translator": 200, "editor": 200}),
        ("admin:articles_image_add", {"reporter": 200, "translator": 403, "editor": 200}),
        ("admin:auth_user_changelist", {"reporter": 403, "translator": 403, "editor": 403}),
    ],
)
def test_each_role_reaches_exactly_its_admin_pages(client, people, page, expected):
    got = {role: page_status(client, people[role], reverse(page)) for role in ROLES}
    assert got == expected


@pytest.mark.parametrize(
    "model, factory",
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


@pytest.mark.parametrize("owner, status, translated, expected", STORY_CASES)
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


def test_translator_post_cannot_change_fields_outside_the_translation(translator_client):
    article = InterviewArticleFactory(
        status=Status.TRANSLATION_REVIEW, original_language="ar", exchange_count=1, byline_count=0
    )
    exchange = article.exchanges.get()
    url = reverse("admin:articles_article_change", args=[article.pk])
    form = translator_client.get(url).context["adminform"].form
    assert set(form.fields) - {"loaded_version"} == {
        "headline",
        "dek",
        "body",
        "original_language",
        "source_headline",
        "source_dek",
        "source_body",
    }
    data = {
        "headline": "Translated headline",
        "dek": "",
        "body": "<p>English.</p>",
        "original_language": "ar",
        "source_headline": "عنوان",
        "source_dek": "",
        "source_body": "فقرة",
        "kind": "opinion",
        "slug": "hijacked",
        "loaded_version": str(article.version),
        "bylines-TOTAL_FORMS": "0",
        "bylines-INITIAL_FORMS": "0",
        "interview-TOTAL_FORMS": "1",
        "interview-INITIAL_FORMS": "1",
        "interview-0-article": str(article.pk),
        "exchanges-TOTAL_FORMS": "1",
        "exchanges-INITIAL_FORMS": "1",
        "exchanges-0-id": str(exchange.pk),
        "exchanges-0-article": str(article.pk),
        "exchanges-0-question": exchange.question,
        "exchanges-0-answer": exchange.answer,
        "exchanges-0-question_original": "سؤال؟",
        "exchanges-0-answer_original": "جواب.",
        "exchanges-0-position": "9",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
    }
    response = translator_client.post(url, data)
    assert response.status_code == 302
    article.refresh_from_db()
    exchange.refresh_from_db()
    assert (article.headline, article.source_headline) == ("Translated headline", "عنوان")
    assert article.kind == Article.Kind.INTERVIEW
    assert article.slug != "hijacked"
    assert (exchange.question_original, exchange.position) == ("سؤال؟", 0)


def test_reporter_cannot_add_a_byline_to_a_story_past_draft(reporter_client, reporter):
    article = ArticleFactory(status=Status.EDITING, created_by=reporter, byline_count=0)
    url = reverse("admin:articles_article_change", args=[article.pk])
    response = reporter_client.post(
        url,
        {
            "headline": "Changed",
            "bylines-TOTAL_FORMS": "1",
            "bylines-INITIAL_FORMS": "0",
            "bylines-0-contributor": str(ContributorFactory().pk),
            "bylines-0-role": "author",
        },
    )
    # Refused, with what the reporter typed given back to them to copy.
    assert response.status_code == 409
    assert "Changed" in response.content.decode()
    article.refresh_from_db()
    assert article.headline != "Changed"
    assert not Byline.objects.exists()


DESK_PAGES = ["revisions", "translation"]


@pytest.mark.parametrize("page", DESK_PAGES)
@pytest.mark.parametrize(
    "owner, status, expected",
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
