"""Every URL the admin serves, requested as nobody, as an editor with only a password, as each
role and as an editor: nothing breaks, and no one sees or changes a story they may not see.

What each role gets on each page is the matrix in test_permission_matrix.py; this sweep makes
sure no admin page, a new one included, is left unrequested."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult
from taggit.models import Tag

from articles.models import (
    Article,
    AuditEntry,
    Contributor,
    Correction,
    Image,
    Section,
    StatusChange,
)
from articles.roles import REPORTER, TRANSLATOR
from tests.factories import ArticleFactory, ContributorFactory, ImageFactory, UserFactory

# Every admin URL, as the admin site names it -------------------------------------------------


def admin_url_patterns():
    """Every URL the admin serves, with a name, from admin.site.get_urls() itself."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield prefix + str(pattern.pattern), pattern

    return list(walk(admin.site.get_urls()))


ADMIN_URLS = admin_url_patterns()
PUBLIC_ADMIN_URLS = {"login", "logout", "jsi18n"}  # work (or redirect) without a session


class Secrets:
    """A draft by the editor that nobody else may see, and one object of every admin model."""

    HEADLINE = "pwn-secret-draft headline"
    BODY = "pwn-secret-body the source is a colonel"
    SOURCE = "pwn-secret-source نص سري"

    def __init__(self, editor):
        self.article = ArticleFactory(
            headline=self.HEADLINE,
            slug="pwn-secret-draft",
            body=f"<p>{self.BODY}</p>",
            created_by=editor,
            original_language="",
            source_body=self.SOURCE,
        )
        self.article.body = f"<p>{self.BODY}</p><p>second save</p>"
        self.article.save()
        self.history_id = self.article.history.order_by("history_id").first().history_id
        self.correction = Correction.objects.create(
            article=self.article, text="pwn-secret-correction the colonel was named"
        )

    def object_for(self, model):
        if model is Article:
            return self.article
        existing = model._default_manager.first()
        if existing is not None:
            return existing
        factories = {
            Contributor: ContributorFactory,
            Image: ImageFactory,
            Section: lambda: Section.objects.create(name="Aleppo"),
            Tag: lambda: Tag.objects.create(name="aleppo"),
            AccessAttempt: lambda: AccessAttempt.objects.create(
                username="someone", ip_address="10.0.0.9", failures_since_start=1
            ),
            AccessLog: lambda: AccessLog.objects.create(username="someone", ip_address="10.0.0.9"),
            AccessFailureLog: lambda: AccessFailureLog.objects.create(
                username="someone", ip_address="10.0.0.9"
            ),
            TOTPDevice: lambda: TOTPDevice.objects.create(user=self.article.created_by, name="x"),
            StatusChange: lambda: StatusChange.objects.create(
                article=self.article,
                transition="submit",
                from_status="draft",
                to_status="editing",
                comment="pwn-secret-comment about the source",
            ),
            StaticDevice: lambda: StaticDevice.objects.create(
                user=self.article.created_by, name="x"
            ),
            DBTaskResult: lambda: DBTaskResult.objects.create(
                task_path="articles.notifications.story_entered_queue",
                args_kwargs={"args": [1], "kwargs": {}},
                backend_name="default",
            ),
            AuditEntry: lambda: AuditEntry.objects.create(
                action="story.edit",
                article=self.article,
                subject="pwn-secret-subject of the source",
                comment="pwn-secret-comment about the source",
            ),
        }
        return factories[model]()


def fill(route: str, pattern: URLPattern, secrets: Secrets) -> str | None:
    """The URL of `pattern` with its arguments filled in for the objects in `secrets`.

    None only for a pattern whose arguments are not known here; the coverage test below fails
    on any such pattern, so a new admin page cannot slip past the matrix unrequested.
    """
    name = pattern.name
    converters = getattr(pattern.pattern, "converters", None) or pattern.pattern.regex.groupindex
    model_admin = next(
        (
            ma
            for m, ma in admin.site._registry.items()
            if name.startswith(f"{m._meta.app_label}_{m._meta.model_name}_")
        ),
        None,
    )
    kwargs: dict[str, object] = {}
    for key in converters:
        if name == "view_on_site":
            kwargs = {
                "content_type_id": ContentType.objects.get_for_model(Article).pk,
                "object_id": secrets.article.pk,
            }
            break
        if key in ("object_id", "pk", "id") and model_admin is not None:
            if model_admin.model is get_user_model():
                obj = secrets.article.created_by
            else:
                obj = secrets.object_for(model_admin.model)
            kwargs[key] = obj.pk
        elif key == "history_id":
            kwargs[key] = secrets.history_id
        elif key == "correction_pk":
            kwargs[key] = secrets.correction.pk
        elif key == "name":
            kwargs[key] = "submit"
        elif key == "app_label":
            kwargs[key] = "articles"
        else:
            return None
    url = reverse(f"admin:{name}", kwargs=kwargs)
    if name == "articles_article_compare":
        url += f"?a={secrets.history_id}&b={secrets.history_id + 1}"
    if name == "autocomplete":
        url += "?app_label=articles&model_name=contributor&field_name=user&term=e"
    return url


def matrix_urls(secrets: Secrets) -> list[tuple[str, str]]:
    urls = []
    for route, pattern in ADMIN_URLS:
        url = fill(route, pattern, secrets)
        if url is not None:
            urls.append((pattern.name, url))
    return urls


@pytest.mark.django_db
def test_the_matrix_requests_every_named_admin_url(editor):
    secrets = Secrets(editor)
    requested = {name for name, _ in matrix_urls(secrets)}
    assert requested == {pattern.name for _, pattern in ADMIN_URLS}


def test_the_matrix_covers_every_admin_page_and_every_registered_model():
    names = {pattern.name for _, pattern in ADMIN_URLS}
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}_{model._meta.model_name}"
        assert {f"{prefix}_changelist", f"{prefix}_change", f"{prefix}_history"} <= names
    for expected in (
        "articles_article_preview",
        "articles_article_revisions",
        "articles_article_compare",
        "articles_article_restore",
        "articles_article_translation",
        "autocomplete",
        "view_on_site",
    ):
        assert expected in names


@pytest.fixture
def secrets(editor):
    return Secrets(editor)


def assert_unchanged(secrets: Secrets) -> None:
    article = Article.objects.get(pk=secrets.article.pk)
    assert (article.headline, article.status, article.body) == (
        secrets.article.headline,
        secrets.article.status,
        secrets.article.body,
    )


@pytest.mark.django_db
def test_nobody_signed_in_gets_any_admin_page(client, secrets):
    client.raise_request_exception = False
    for name, url in matrix_urls(secrets):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code != 500, (name, method)
            assert b"pwn-secret" not in response.content, (name, method)
            if name not in PUBLIC_ADMIN_URLS:
                assert response.status_code in (302, 405), (name, method, response.status_code)
                if response.status_code == 302:
                    assert response["Location"].startswith("/admin/login/"), (name, method)
    assert_unchanged(secrets)


@pytest.mark.django_db
def test_an_editor_with_only_a_password_gets_no_admin_page(client, secrets, editor):
    from tests.conftest import password_only_login

    password_only_login(client, editor)
    client.raise_request_exception = False
    for name, url in matrix_urls(secrets):
        if name in PUBLIC_ADMIN_URLS:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, (name, method, response.status_code)
            assert response["Location"].startswith("/admin/2fa/"), (name, method)
    assert_unchanged(secrets)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [REPORTER, TRANSLATOR])
def test_other_roles_never_see_or_change_someone_elses_draft(client, secrets, role):
    """Every admin URL, GET and POST, as a reporter or translator the draft is not shared with."""
    user = UserFactory(username=f"matrix-{role.lower()}", role=role)
    client.force_login(user)
    client.raise_request_exception = False
    seen = {}
    for name, url in matrix_urls(secrets):
        if name == "logout":
            continue  # would end the session and turn the rest into anonymous requests
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            status = response.status_code
            seen[(name, method)] = status
            assert status != 500, (name, method)
            body = response.content
            assert b"pwn-secret" not in body, (name, method, status)
            if status == 302:
                assert b"pwn-secret" not in response["Location"].encode(), (name, method)
        assert_unchanged(secrets)
    assert client.get(reverse("admin:index")).status_code == 200  # still signed in throughout
    # Pages about the draft itself are closed, not merely empty.
    for name in (
        "articles_article_change",
        "articles_article_preview",
        "articles_article_revisions",
        "articles_article_history",
        "articles_article_translation",
        "articles_article_compare",
    ):
        assert seen[(name, "get")] in (302, 403, 404), (name, seen[(name, "get")])


@pytest.mark.django_db
def test_an_editor_gets_every_admin_page_without_an_error(editor_client, secrets):
    editor_client.raise_request_exception = False
    for name, url in matrix_urls(secrets):
        if name in ("logout", "articles_article_restore") or name.endswith("_delete"):
            continue  # GET-safe pages only: deleting is tested by the admin desk
        response = editor_client.get(url)
        assert response.status_code in (200, 302, 403, 404, 405), (name, response.status_code)
    preview = editor_client.get(
        reverse("admin:articles_article_preview", args=[secrets.article.pk])
    )
    assert b"pwn-secret-body" in preview.content
    assert "no-store" in preview["Cache-Control"]


@pytest.mark.django_db
def test_autocomplete_does_not_list_accounts_to_reporters(client, secrets):
    client.force_login(UserFactory(username="amal", role=REPORTER))
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "contributor", "field_name": "user", "term": ""},
    )
    assert response.status_code == 403
    assert b"editor" not in response.content


@pytest.mark.django_db
def test_the_translator_sees_only_stories_in_translation(client, secrets, editor):
    translator = UserFactory(username="tariq", role=TRANSLATOR)
    in_review = ArticleFactory(
        headline="pwn-review story",
        original_language="ar",
        status="translation_review",
        created_by=editor,
    )
    client.force_login(translator)
    listing = client.get(reverse("admin:articles_article_changelist")).content
    assert b"pwn-review" in listing
    assert b"pwn-secret" not in listing
    change = client.get(reverse("admin:articles_article_change", args=[in_review.pk]))
    assert change.status_code == 200
