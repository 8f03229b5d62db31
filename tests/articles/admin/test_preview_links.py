"""The story form's preview links panel: making a link with its expiry, the list of open links
(address to copy, expiry, openings), revoking one, and who sees the panel at all."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import changes, previews
from articles.models import Article, AuditEntry, PreviewLink
from articles.roles import REPORTER
from tests.conftest import login_as
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = Article.Status


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def create_url(article) -> str:
    return reverse("admin:articles_article_preview_create", args=[article.pk])


def revoke_url(article) -> str:
    return reverse("admin:articles_article_preview_revoke", args=[article.pk])


@pytest.fixture
def draft(reporter):
    return ArticleFactory(headline="A draft to check with the source", created_by=reporter)


def test_an_editor_makes_a_link_and_sees_it_listed_with_its_address_and_openings(
    editor_client, draft, settings
):
    settings.SITE_URL = "https://news.example.org"
    settings.SITE_URL_FROM_REQUEST = False
    page = editor_client.get(change_url(draft))
    assert b'id="preview-links"' in page.content
    assert b"No open preview links." in page.content
    assert f'action="{create_url(draft)}"'.encode() in page.content
    assert b'name="expires_at"' in page.content

    response = editor_client.post(create_url(draft), {"expires_at": ""})
    assert response.status_code == 302
    assert response["Location"] == change_url(draft) + "#preview-links"
    link = PreviewLink.objects.get(article=draft)
    url = previews.preview_url(link)
    assert url.startswith("https://news.example.org/preview/")

    page = editor_client.get(change_url(draft))
    text = page.content.decode()
    assert f'value="{url}"' in text  # the box to copy from
    assert 'data-copy="preview-url-' in text
    assert "Not yet" in text
    assert f'<input type="hidden" name="link" value="{link.pk}">' in text
    assert "Preview link made, open until" in text  # the message after the redirect

    Client().get(previews.preview_path(link))
    page = editor_client.get(change_url(draft))
    assert b"1 time" in page.content


def test_the_expiry_typed_in_the_form_is_the_links(editor_client, draft):
    when = timezone.localtime(timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    editor_client.post(create_url(draft), {"expires_at": when.strftime("%Y-%m-%dT%H:%M")})
    assert PreviewLink.objects.get(article=draft).expires_at == when


def test_an_expiry_that_is_no_time_or_too_far_is_refused_with_a_message(editor_client, draft):
    response = editor_client.post(create_url(draft), {"expires_at": "next week"}, follow=True)
    assert b"Give the link&#x27;s expiry as a date and a time." in response.content
    too_far = timezone.localtime(timezone.now() + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M")
    response = editor_client.post(create_url(draft), {"expires_at": too_far}, follow=True)
    assert b"30 days at most" in response.content
    assert not PreviewLink.objects.exists()


def test_revoking_from_the_panel_closes_the_link(editor_client, draft, editor):
    link = changes.create_preview_link(draft, by=editor)
    other = changes.create_preview_link(draft, by=editor)
    response = editor_client.post(revoke_url(draft), {"link": link.pk}, follow=True)
    assert b"Preview link revoked" in response.content
    link.refresh_from_db()
    other.refresh_from_db()
    assert link.revoked_by == editor
    assert other.is_active
    assert f'name="link" value="{link.pk}"'.encode() not in response.content
    assert f'name="link" value="{other.pk}"'.encode() in response.content
    assert Client().get(previews.preview_path(link)).status_code == 404


def test_a_link_of_another_story_or_no_link_cannot_be_revoked_from_this_one(
    editor_client, draft, editor
):
    elsewhere = changes.create_preview_link(ArticleFactory(), by=editor)
    for sent in ({"link": elsewhere.pk}, {"link": "x"}, {}):
        response = editor_client.post(revoke_url(draft), sent, follow=True)
        assert b"No such preview link on this story." in response.content
    elsewhere.refresh_from_db()
    assert elsewhere.is_active


def test_expired_and_revoked_links_leave_the_list(editor_client, draft, editor):
    expired = changes.create_preview_link(draft, by=editor)
    PreviewLink.objects.filter(pk=expired.pk).update(
        created_at=timezone.now() - timedelta(days=3), expires_at=timezone.now()
    )
    revoked = changes.create_preview_link(draft, by=editor)
    changes.revoke_preview_link(revoked, by=editor)
    page = editor_client.get(change_url(draft))
    assert b"No open preview links." in page.content


def test_the_buttons_are_posts_with_a_csrf_token(editor, draft):
    client = Client(enforce_csrf_checks=True)
    login_as(client, editor)
    assert client.get(create_url(draft)).status_code == 405
    assert client.get(revoke_url(draft)).status_code == 405
    assert client.post(create_url(draft)).status_code == 403
    assert not PreviewLink.objects.exists()
    page = client.get(change_url(draft)).content.decode()
    panel = page[page.index('id="preview-links"') :]
    assert 'name="csrfmiddlewaretoken"' in panel


def test_a_reporter_makes_links_to_their_own_story(reporter_client, draft, reporter):
    page = reporter_client.get(change_url(draft))
    assert b'id="preview-links"' in page.content
    reporter_client.post(create_url(draft), {})
    assert PreviewLink.objects.get(article=draft).created_by == reporter
    assert AuditEntry.objects.filter(action="preview.create", by=reporter).count() == 1


def test_a_reporter_cannot_reach_another_reporters_story(client, draft):
    other = UserFactory(role=REPORTER)
    login_as(client, other)
    assert client.post(create_url(draft), {}).status_code == 404
    assert not PreviewLink.objects.exists()


def test_a_translator_reviewing_a_story_sees_no_panel_and_makes_no_link(translator_client, editor):
    article = ArticleFactory(
        status=Status.TRANSLATION_REVIEW,
        original_language="ar",
        source_body="نص",
        created_by=editor,
    )
    changes.create_preview_link(article, by=editor)
    page = translator_client.get(change_url(article))
    assert page.status_code == 200
    assert b'id="preview-links"' not in page.content
    assert b'class="preview-url' not in page.content
    response = translator_client.post(create_url(article), {}, follow=True)
    assert b"Preview links are made by editors" in response.content
    assert PreviewLink.objects.count() == 1


def test_a_withdrawn_storys_panel_offers_revoking_but_no_new_link(editor_client, editor):
    article = ArticleFactory(published=True)
    link = changes.create_preview_link(article, by=editor)
    Article.objects.filter(pk=article.pk).update(status=Status.WITHDRAWN)
    page = editor_client.get(change_url(article))
    assert f'name="link" value="{link.pk}"'.encode() in page.content
    assert b"Make a preview link" not in page.content
    response = editor_client.post(create_url(article), {}, follow=True)
    assert b"withdrawn" in response.content
    assert PreviewLink.objects.count() == 1
