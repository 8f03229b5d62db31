"""Autosave of the story form: kept for the person who typed it alone, only what they may
change, never a revision nor a change of the story, offered back on reopening, gone once saved."""

import pytest
from django.test import Client
from django.urls import reverse

from articles import autosave
from articles.models import Article, Autosave
from tests.conftest import login_as
from tests.factories import ArticleFactory, UserFactory
from tests.helpers import full_story_form

pytestmark = pytest.mark.django_db
Status = Article.Status
NEW_URL = reverse("admin:articles_article_autosave_new")


def url_for(article) -> str:
    return reverse("admin:articles_article_autosave", args=[article.pk])


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def test_an_autosave_keeps_what_is_typed_without_touching_the_story(reporter_client, reporter):
    article = ArticleFactory(status=Status.DRAFT, created_by=reporter, headline="As saved")
    revisions, version = article.history.count(), article.version
    response = reporter_client.post(url_for(article), {"headline": "Half-typed", "dek": "More"})
    assert response.status_code == 200
    assert "label" in response.json()
    kept = Autosave.objects.get(user=reporter)
    assert kept.data["headline"] == ["Half-typed"]
    assert kept.article == article
    article.refresh_from_db()
    assert (article.headline, article.version) == ("As saved", version)
    assert article.history.count() == revisions


def test_reopening_the_form_offers_the_autosave_with_its_local_time(
    reporter_client, reporter, settings
):
    article = ArticleFactory(status=Status.DRAFT, created_by=reporter)
    reporter_client.post(url_for(article), {"headline": "Half-typed"})
    html = reporter_client.get(change_url(article)).content.decode()
    assert "Unsaved changes from " in html
    assert 'id="autosave-data"' in html
    assert "Half-typed" in html
    kept = Autosave.objects.get(user=reporter)
    label = autosave.timezone.localtime(kept.saved_at).strftime("%H:%M")
    assert f"Unsaved changes from {label}" in html


def test_an_autosave_is_offered_to_nobody_else(reporter, editor_client, editor):
    article = ArticleFactory(status=Status.DRAFT, created_by=reporter)
    Autosave.objects.create(user=reporter, key=str(article.pk), article=article, data={})
    html = editor_client.get(change_url(article)).content.decode()
    assert "Unsaved changes from" not in html
    assert autosave.offer(editor, article) is None


def test_a_reporter_may_not_autosave_into_anothers_story(reporter_client):
    article = ArticleFactory(status=Status.DRAFT)
    response = reporter_client.post(url_for(article), {"headline": "Mine now"})
    assert response.status_code == 404
    assert not Autosave.objects.exists()


def test_a_reporter_may_not_autosave_into_their_submitted_story(reporter_client, reporter):
    article = ArticleFactory(status=Status.EDITING, created_by=reporter)
    response = reporter_client.post(url_for(article), {"headline": "After submitting"})
    assert response.status_code == 403
    assert not Autosave.objects.exists()


def test_a_translators_autosave_keeps_only_what_they_may_change(translator_client, translator):
    article = ArticleFactory(
        status=Status.TRANSLATION_REVIEW, original_language="ar", source_headline="عنوان"
    )
    response = translator_client.post(
        url_for(article),
        {
            "source_headline": "عنوان جديد",
            "headline": "A better English headline",
            "section": "3",
            "published_at_0": "2030-01-01",
            "bylines-0-contributor": "9",
            "exchanges-0-question": "A clearer question?",
            "exchanges-0-position": "4",
            "exchanges-TOTAL_FORMS": "1",
            "csrfmiddlewaretoken": "x",
            "_move": "pass_translation",
        },
    )
    assert response.status_code == 200
    assert Autosave.objects.get(user=translator).data == {
        "source_headline": ["عنوان جديد"],
        "headline": ["A better English headline"],
        "exchanges-0-question": ["A clearer question?"],
        "exchanges-TOTAL_FORMS": ["1"],
    }


def test_a_translator_may_not_autosave_a_story_out_of_review(translator_client):
    article = ArticleFactory(status=Status.APPROVED, original_language="ar")
    response = translator_client.post(url_for(article), {"headline": "Late"})
    assert response.status_code in (403, 404)
    assert not Autosave.objects.exists()


def test_an_autosave_too_large_is_refused_and_nothing_kept(reporter_client, reporter):
    article = ArticleFactory(status=Status.DRAFT, created_by=reporter)
    response = reporter_client.post(url_for(article), {"body": "x" * (autosave.MAX_BYTES + 1)})
    assert response.status_code == 413
    assert not Autosave.objects.exists()


def test_the_endpoint_answers_only_posts_with_the_csrf_token(reporter):
    article = ArticleFactory(status=Status.DRAFT, created_by=reporter)
    client = login_as(Client(enforce_csrf_checks=True), reporter)
    assert client.get(url_for(article)).status_code == 405
    assert client.post(url_for(article), {"headline": "No token"}).status_code == 403
    assert not Autosave.objects.exists()


def test_signed_out_people_cannot_autosave(client):
    response = client.post(NEW_URL, {"headline": "Anonymous"})
    assert response.status_code == 302
    assert not Autosave.objects.exists()


def test_a_new_story_is_autosaved_under_new_and_cleared_by_its_first_save(editor_client, editor):
    editor_client.post(NEW_URL, {"headline": "A new story, half-typed"})
    assert Autosave.objects.get(user=editor).key == "new"
    assert (
        "Unsaved changes from"
        in editor_client.get(reverse("admin:articles_article_add")).content.decode()
    )
    article = ArticleFactory()
    editor_client.post(
        reverse("admin:articles_article_add"),
        {
            **full_story_form(article, headline="Saved at last", slug=""),
            "loaded_version": "",
            "bylines-TOTAL_FORMS": "0",
            "bylines-INITIAL_FORMS": "0",
        },
    )
    assert Article.objects.filter(headline="Saved at last").exists()
    assert not Autosave.objects.exists()


def test_a_successful_save_clears_the_autosave(reporter_client, reporter):
    article = ArticleFactory(status=Status.DRAFT, created_by=reporter)
    reporter_client.post(url_for(article), {"headline": "Half-typed"})
    response = reporter_client.post(
        change_url(article), full_story_form(article, headline="Finished headline")
    )
    assert response.status_code == 302
    assert not Autosave.objects.exists()


def test_a_refused_save_keeps_the_autosave(reporter_client, reporter, editor):
    article = ArticleFactory(status=Status.DRAFT, created_by=reporter)
    reporter_client.post(url_for(article), {"headline": "Half-typed"})
    stale = full_story_form(article, headline="Too late")
    Article.objects.filter(pk=article.pk).update(version=article.version + 1)
    response = reporter_client.post(change_url(article), stale)
    assert response.status_code == 200
    assert Autosave.objects.filter(user=reporter).exists()


def test_discard_forgets_the_autosave(reporter_client, reporter):
    article = ArticleFactory(status=Status.DRAFT, created_by=reporter)
    reporter_client.post(url_for(article), {"headline": "Half-typed"})
    response = reporter_client.post(url_for(article), {"discard": "1"})
    assert response.json() == {"discarded": True}
    assert not Autosave.objects.exists()


def test_discarding_touches_only_ones_own_autosave(reporter_client, reporter):
    article = ArticleFactory(status=Status.DRAFT, created_by=reporter)
    other = UserFactory(username="colleague")
    Autosave.objects.create(user=other, key=str(article.pk), article=article, data={})
    reporter_client.post(url_for(article), {"discard": "1"})
    assert Autosave.objects.filter(user=other).exists()


def test_an_autosave_never_reaches_readers(client, reporter_client, reporter):
    article = ArticleFactory(published=True, headline="As published")
    Autosave.objects.create(
        user=reporter, key=str(article.pk), article=article, data={"headline": ["Secret draft"]}
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "As published" in html
    assert "Secret draft" not in html
