"""The admin's "view on site" leads only to objects the person may open."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from articles.models import Article
from articles.roles import REPORTER
from tests.factories import ArticleFactory, UserFactory


@pytest.mark.django_db
def test_view_on_site_only_leads_to_objects_the_person_may_open(client, editor):
    reporter = UserFactory(username="amal", role=REPORTER)
    theirs = ArticleFactory(slug="pwn-secret-draft", created_by=editor)
    own = ArticleFactory(slug="amals-draft", created_by=reporter)
    article_type = ContentType.objects.get_for_model(Article).pk
    client.force_login(reporter)
    hidden = client.get(reverse("admin:view_on_site", args=[article_type, theirs.pk]))
    missing = client.get(reverse("admin:view_on_site", args=[article_type, 999_999]))
    assert hidden.status_code == missing.status_code == 404
    assert b"pwn-secret" not in hidden.content
    mine = client.get(reverse("admin:view_on_site", args=[article_type, own.pk]))
    assert mine.status_code == 302
    assert mine["Location"].endswith("/articles/amals-draft/")
    client.force_login(editor)
    assert (
        client.get(reverse("admin:view_on_site", args=[article_type, theirs.pk])).status_code == 302
    )
