"""The page a preview link opens, as the person it was sent to meets it: no account, no session.

The latest saved text under a "Not published" banner, never indexed, never cached for anyone
else, each opening recorded with its time alone; and nothing of the story once the link is
expired, revoked, tampered with or unknown, or the story withdrawn."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.utils import timezone

from articles import changes, previews
from articles.models import Article, PreviewLink, PreviewOpening
from public import caching
from tests.factories import ArticleFactory, InterviewArticleFactory
from tests.helpers import edit

pytestmark = pytest.mark.django_db

Status = Article.Status
HEADLINE = "Secret talks over the Yarmouk crossing"
BODY_WORDS = "The colonel named the crossing's price"


@pytest.fixture
def draft(reporter):
    return ArticleFactory(
        headline=HEADLINE, body=f"<p>{BODY_WORDS}.</p>", created_by=reporter, slug="yarmouk"
    )


@pytest.fixture
def link(draft, editor):
    return changes.create_preview_link(draft, by=editor)


@pytest.fixture
def reader():
    """Someone the link was sent to: a browser with no cookies at all."""
    return Client()


def path_of(link) -> str:
    return previews.preview_path(link)


def assert_private(response) -> None:
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "X-Accel-Expires" not in response
    assert not response.cookies


def assert_shows_nothing_of(response, article) -> None:
    assert response.status_code == 404
    assert_private(response)
    text = response.content.decode()
    assert article.headline not in text
    assert BODY_WORDS not in text
    assert article.slug not in text
    assert "This preview is not available" in text


# What the page shows -----------------------------------------------------------------------------


def test_a_draft_opens_without_a_session_under_a_not_published_banner(reader, link):
    response = reader.get(path_of(link))
    assert response.status_code == 200
    text = response.content.decode()
    assert HEADLINE in text
    assert BODY_WORDS in text
    assert 'class="preview-banner" role="region" aria-labelledby="preview-banner-label"' in text
    assert '<strong class="preview-banner__label" id="preview-banner-label">Not published' in text
    assert "stops working on" in text
    assert_private(response)


def test_it_is_drawn_with_the_public_story_template(reader, link):
    response = reader.get(path_of(link))
    assert next(t.name for t in response.templates) == "articles/article_detail.html"
    assert b'class="story__headline"' in response.content


def test_it_shows_the_latest_saved_text_not_what_was_there_when_the_link_was_made(
    reader, link, draft, editor
):
    edit(draft, by=editor, body="<p>The second draft, saved after the link was sent.</p>")
    response = reader.get(path_of(link))
    assert b"The second draft, saved after the link was sent." in response.content
    assert BODY_WORDS.encode() not in response.content


def test_a_published_storys_preview_shows_its_latest_saved_text_too(reader, editor):
    article = ArticleFactory(published=True, headline="Already out")
    link = changes.create_preview_link(article, by=editor)
    edit(article, by=editor, dek="A standfirst changed a moment ago.")
    response = reader.get(path_of(link))
    assert b"A standfirst changed a moment ago." in response.content
    assert b'id="preview-banner-label">Preview' in response.content


def test_it_is_never_indexed(reader, link):
    response = reader.get(path_of(link))
    assert b'<meta name="robots" content="noindex, nofollow">' in response.content
    assert b'<meta name="referrer" content="no-referrer">' in response.content
    # No canonical address (it would be this secret one, or a story address not live yet), and
    # nothing for a link unfurler to make a card of.
    assert b'rel="canonical"' not in response.content
    assert b"og:title" not in response.content
    assert b"application/ld+json" not in response.content


def test_it_has_no_share_buttons(reader, link):
    response = reader.get(path_of(link))
    assert b"Share this article" not in response.content
    assert b"facebook.com/sharer" not in response.content
    assert b"wa.me" not in response.content


def test_an_interview_opens_with_the_interview_template(reader, editor):
    interview = InterviewArticleFactory(headline="An interview in draft", exchange_count=2)
    link = changes.create_preview_link(interview, by=editor)
    response = reader.get(path_of(link))
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "interviews/interview_detail.html"
    assert b"Question number" in response.content
    assert b"preview-banner" in response.content


def test_a_translated_storys_original_opens_from_the_same_link(reader, editor):
    article = ArticleFactory(
        headline="Truce in south Damascus",
        original_language="ar",
        source_headline="هدنة في جنوب دمشق",
        source_body="نص المقال",
    )
    link = changes.create_preview_link(article, by=editor)
    page = reader.get(path_of(link))
    original = previews.preview_path(link) + "original/"
    assert f'href="{original}"'.encode() in page.content
    response = reader.get(original)
    assert response.status_code == 200
    assert "هدنة في جنوب دمشق" in response.content.decode()
    assert b"preview-banner" in response.content
    assert_private(response)
    assert b'rel="canonical"' not in response.content


def test_a_story_with_no_original_has_no_original_page(reader, link):
    assert_shows_nothing_of(reader.get(path_of(link) + "original/"), link.article)


def test_the_page_only_answers_get_and_head(reader, link):
    assert reader.post(path_of(link)).status_code in (403, 405)
    assert Client(enforce_csrf_checks=False).post(path_of(link)).status_code == 405


# Never cached for anyone else --------------------------------------------------------------------


def test_two_readers_both_reach_the_view_and_the_page_cache_keeps_nothing(link, draft, editor):
    first = Client().get(path_of(link))
    edit(draft, by=editor, headline="A headline saved between the two openings")
    second = Client().get(path_of(link))
    assert HEADLINE.encode() in first.content
    assert b"A headline saved between the two openings" in second.content
    assert PreviewOpening.objects.filter(link=link).count() == 2
    request = RequestFactory().get(path_of(link))
    version = caching.current_version()
    assert cache.get(caching.page_key(request, version)) is None
    assert caching.lookup(request) == (version, None)


def test_the_page_cache_would_not_keep_it_even_if_asked(reader, link):
    """Were a preview ever wrapped in public_page, its own headers would keep it out."""
    response = reader.get(path_of(link))
    request = RequestFactory().get(path_of(link))
    assert not caching._is_shared(request, response)


def test_a_signed_in_editor_gets_the_same_private_page(editor_client, link):
    response = editor_client.get(path_of(link))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


# Openings ----------------------------------------------------------------------------------------


def test_each_opening_is_recorded_with_its_time_and_nothing_about_who(reader, link):
    before = timezone.now()
    reader.get(
        path_of(link),
        HTTP_USER_AGENT="Mozilla/5.0 (a source's phone)",
        REMOTE_ADDR="203.0.113.7",
    )
    reader.get(path_of(link))
    openings = list(PreviewOpening.objects.filter(link=link).values())
    assert len(openings) == 2
    for opening in openings:
        assert set(opening) == {"id", "link_id", "opened_at"}
        assert before <= opening["opened_at"] <= timezone.now()
    stored = repr(list(PreviewOpening.objects.values_list()))
    assert "203.0.113.7" not in stored
    assert "Mozilla" not in stored


def test_a_head_request_is_not_an_opening(reader, link):
    assert reader.head(path_of(link)).status_code == 200
    assert not PreviewOpening.objects.exists()


def test_a_refused_token_records_nothing(reader, link):
    reader.get(path_of(link)[:-3] + "xx/")
    assert not PreviewOpening.objects.exists()


# Links that open nothing ------------------------------------------------------------------------


def test_a_tampered_token_shows_nothing(reader, link, draft):
    token = previews.token_for(link)
    for bad in (
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        link.key,
        token.replace(link.key, link.key[:-1] + ("A" if link.key[-1] != "A" else "B")),
    ):
        assert_shows_nothing_of(reader.get(f"/preview/{bad}/"), draft)


def test_an_unknown_but_well_signed_token_shows_nothing(reader, draft):
    token = previews.token_for(PreviewLink(key="never-made"))
    assert_shows_nothing_of(reader.get(f"/preview/{token}/"), draft)


def test_an_expired_link_shows_nothing(reader, link, draft):
    PreviewLink.objects.filter(pk=link.pk).update(
        created_at=timezone.now() - timedelta(days=3),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    assert_shows_nothing_of(reader.get(path_of(link)), draft)


def test_a_revoked_link_shows_nothing(reader, link, draft, editor):
    assert reader.get(path_of(link)).status_code == 200
    changes.revoke_preview_link(link, by=editor)
    assert_shows_nothing_of(reader.get(path_of(link)), draft)


def test_a_withdrawn_storys_link_shows_nothing_of_it(reader, editor):
    article = ArticleFactory(published=True, headline=HEADLINE, body=f"<p>{BODY_WORDS}</p>")
    link = changes.create_preview_link(article, by=editor)
    with changes.door():
        Article.objects.filter(pk=article.pk).update(
            status=Status.WITHDRAWN, withdrawn_reason="The source withdrew consent."
        )
    article.refresh_from_db()
    assert_shows_nothing_of(reader.get(path_of(link)), article)
    response = reader.get(path_of(link) + "original/")
    assert_shows_nothing_of(response, article)
    assert b"The source withdrew consent." not in response.content
    assert not PreviewOpening.objects.exists()


def test_a_deleted_storys_link_shows_nothing(reader, link, draft, editor):
    path = path_of(link)
    changes.delete_story(draft, by=editor)
    assert_shows_nothing_of(reader.get(path), draft)


def test_it_reads_from_the_primary_database(reader, link, monkeypatch):
    """With read replicas, a link made a moment ago opens, showing the text saved a moment ago."""
    from articles.primary import is_primary_only

    seen = []
    looked_up = previews.active_link

    def active_link(token):
        seen.append(is_primary_only())
        return looked_up(token)

    monkeypatch.setattr(previews, "active_link", active_link)
    assert reader.get(path_of(link)).status_code == 200
    assert seen == [True]
