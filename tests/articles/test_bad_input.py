"""Bad input in the story form gets a form error, never a 500, and a story tagged in any script
still renders."""

import pytest
from django.urls import reverse

from articles.models import Article
from tests.factories import ArticleFactory
from tests.hostile import post_admin_form

# Bad input gets a form error, never a 500 -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("headline", "pwn-long " * 1000),
        ("headline", "null\x00byte"),
        ("dek", "null\x00byte"),
        ("slug", "<script>alert(1)</script>"),
        ("slug", "../../etc/passwd"),
        ("slug", "javascript:alert(1)"),
        ("slug", "a\u202eb"),
    ],
    ids=[
        "long-headline",
        "null-headline",
        "null-dek",
        "script-slug",
        "dots-slug",
        "js-slug",
        "rtl-slug",
    ],
)
def test_bad_input_in_the_story_form_is_a_form_error(editor_client, field, value):
    editor_client.raise_request_exception = False
    response = post_admin_form(
        editor_client,
        reverse("admin:articles_article_add"),
        **{"headline": "A fine headline", field: value},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_a_tag_longer_than_a_tag_may_be_is_a_form_error(editor_client):
    editor_client.raise_request_exception = False
    response = post_admin_form(
        editor_client,
        reverse("admin:articles_article_add"),
        headline="A fine headline",
        tags="x" * 5000,
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Article.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("tag", ["تعليم", "!!!"])
def test_a_story_tagged_in_arabic_or_punctuation_still_renders(client, tag):
    article = ArticleFactory(published=True, tags=[tag])
    client.raise_request_exception = False
    assert client.get(article.get_absolute_url()).status_code == 200
