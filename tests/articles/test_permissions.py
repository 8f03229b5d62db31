"""Who may see and change which story in which state: the rules in articles/permissions.py.

What each role gets on each admin page is the matrix in test_permission_matrix.py.
"""

import pytest
from django.urls import reverse

from articles import permissions
from articles.models import Article, Byline
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    ContributorFactory,
    InterviewArticleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


Status = Article.Status


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
