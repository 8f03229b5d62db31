"""An unpublished story is nowhere for readers: its address answers exactly as one that never
existed, and no listing, feed or sitemap names it (with the page cache as readers meet it)."""

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status",
    [s for s in Article.Status.values if s not in ("published", "scheduled", "withdrawn")]
    + ["scheduled-future"],
)
def test_an_unpublished_slug_answers_exactly_like_one_that_never_existed(client, status):
    real_status = "scheduled" if status == "scheduled-future" else status
    published_at = (
        timezone.now() + timezone.timedelta(days=3) if status == "scheduled-future" else None
    )
    ArticleFactory(
        slug="secret-story",
        status=real_status,
        headline="Secret",
        published_at=published_at,
        original_language="ar",
        source_headline="سري",
    )
    for suffix in ("", "original/"):
        hidden = client.get(f"/articles/secret-story/{suffix}")
        missing = client.get(f"/articles/never-was-a-story/{suffix}")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content
        assert sorted(hidden.headers) == sorted(missing.headers)


@pytest.mark.django_db
def test_drafts_are_absent_from_every_public_listing(client):
    ArticleFactory(
        headline="Hidden pwn-draft zebra",
        slug="pwn-draft",
        tags=["leak"],
        dek="zebra",
        body="<p>zebra</p>",
    )
    ArticleFactory(published=True, tags=["leak"])
    pages = [
        "/",
        "/search/?q=zebra",
        "/feeds/latest.rss",
        "/feeds/latest.atom",
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/tags/leak/",
        "/feeds/tags/leak.rss",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"pwn-draft" not in response.content, url
