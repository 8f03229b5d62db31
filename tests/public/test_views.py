"""Public pages: content, visibility in every workflow state, query counts, caching."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, Byline
from public.templatetags.bylines import format_byline, join_names
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    ContributorFactory,
    ImageFactory,
    SectionFactory,
)
from tests.helpers import queries_to_render

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]

HIDDEN_STATES = [
    Article.Status.DRAFT,
    Article.Status.EDITING,
    Article.Status.TRANSLATION_REVIEW,
    Article.Status.APPROVED,
]


def in_state(status: str, **kwargs) -> Article:
    """A story in `status`; scheduled ones are an hour in the future unless told otherwise."""
    if status == Article.Status.PUBLISHED:
        kwargs.setdefault("published_at", timezone.now() - timedelta(hours=1))
    if status == Article.Status.SCHEDULED:
        kwargs.setdefault("published_at", timezone.now() + timedelta(hours=1))
    return ArticleFactory(status=status, **kwargs)


# The article page ------------------------------------------------------------------------------


def test_article_page_shows_the_story(client):
    article = ArticleFactory(
        published=True,
        headline="Schools reopen in Daraa",
        dek="Classes resume after two years.",
        body="<p>Children returned on <strong>Sunday</strong>.</p>",
        section=SectionFactory(name="Syria"),
        lead_image=ImageFactory(alt_text="Children at a school gate"),
        tags=["education", "Daraa"],
    )
    jamal = ContributorFactory(name="Moutasem Jamal")
    BylineFactory(article=article, contributor=jamal, position=0)
    html = client.get(article.get_absolute_url()).content.decode()
    assert ">Schools reopen in Daraa</h1>" in html
    assert "Classes resume after two years." in html
    assert "<p>Children returned on <strong>Sunday</strong>.</p>" in html
    assert 'By <a href="/contributors/moutasem-jamal/">Moutasem Jamal</a>' in html
    assert "1 min read" in html
    assert 'alt="Children at a school gate"' in html
    assert 'href="/tags/education/"' in html
    assert 'href="/sections/syria/"' in html
    assert html.count("<h1") == 1


def test_text_fields_are_escaped_and_only_the_sanitized_body_is_markup(client):
    article = ArticleFactory(
        published=True,
        headline="<script>alert('h')</script>",
        dek="<img src=x onerror=alert('d')>",
        body="<p>ok</p><script>alert('b')</script>",
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;h&#x27;)&lt;/script&gt;" in html


def test_byline_names_every_role_in_order():
    article = ArticleFactory(original_language="ar")
    people = [ContributorFactory(name=name) for name in ("A", "B", "C", "D", "E")]
    BylineFactory(article=article, contributor=people[0], role=Byline.Role.REPORTER, position=0)
    BylineFactory(article=article, contributor=people[1], role=Byline.Role.AUTHOR, position=1)
    BylineFactory(article=article, contributor=people[2], role=Byline.Role.INTERVIEWER, position=2)
    BylineFactory(article=article, contributor=people[3], role=Byline.Role.TRANSLATOR, position=3)
    BylineFactory(article=article, contributor=people[4], role=Byline.Role.PHOTOGRAPHER, position=4)
    assert format_byline(article) == (
        "By A and B · Interview by C · Translated from Arabic by D · Photographs by E"
    )


def test_names_are_joined_as_a_reader_says_them():
    assert join_names([]) == ""
    assert join_names(["A"]) == "A"
    assert join_names(["A", "B"]) == "A and B"
    assert join_names(["A", "B", "C"]) == "A, B and C"


@pytest.mark.parametrize("status", HIDDEN_STATES)
def test_unpublished_story_is_not_found_whoever_asks(client, editor_client, status):
    article = in_state(status)
    assert client.get(article.get_absolute_url()).status_code == 404
    assert editor_client.get(article.get_absolute_url()).status_code == 404


def test_scheduled_story_is_not_found_before_its_time_and_shown_after(client):
    future = in_state(Article.Status.SCHEDULED)
    due = in_state(Article.Status.SCHEDULED, published_at=timezone.now() - timedelta(minutes=1))
    assert client.get(future.get_absolute_url()).status_code == 404
    assert client.get(due.get_absolute_url()).status_code == 200


def test_withdrawn_story_is_gone_with_its_public_reason(client):
    article = in_state(Article.Status.WITHDRAWN, published_at=timezone.now() - timedelta(days=1))
    Article.objects.filter(pk=article.pk).update(
        withdrawn_reason="The interviewee asked us to <b>remove</b> it for their safety."
    )
    response = client.get(article.get_absolute_url())
    assert response.status_code == 410
    html = response.content.decode()
    assert "This story has been withdrawn" in html
    assert "asked us to &lt;b&gt;remove&lt;/b&gt; it for their safety." in html


def test_unknown_story_is_not_found_in_the_site_design(client):
    response = client.get("/articles/no-such-story/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


# The home page ---------------------------------------------------------------------------------


def test_home_lists_published_stories_only(client):
    shown = ArticleFactory(published=True, headline="Shown story")
    due = in_state(
        Article.Status.SCHEDULED, headline="Due story", published_at=timezone.now() - timedelta(1)
    )
    hidden = [in_state(status, headline=f"Hidden {status}") for status in HIDDEN_STATES]
    hidden.append(in_state(Article.Status.SCHEDULED, headline="Hidden future"))
    hidden.append(in_state(Article.Status.WITHDRAWN, headline="Hidden withdrawn"))
    html = client.get("/").content.decode()
    assert shown.headline in html
    assert due.headline in html
    for article in hidden:
        assert article.headline not in html


def test_home_shows_every_section_with_its_newest_three_however_old():
    from public.views import section_groups

    busy = SectionFactory(name="Busy", position=2)
    quiet = SectionFactory(name="Quiet", position=1)
    SectionFactory(name="Empty", position=0)
    long_ago = timezone.now() - timedelta(days=3000)
    old = ArticleFactory(published=True, section=quiet, published_at=long_ago)
    ArticleFactory(section=quiet)  # a draft: never shown
    recent = [
        ArticleFactory(published=True, section=busy, published_at=timezone.now() - timedelta(n))
        for n in range(1, 6)
    ]
    groups = [(section.name, stories) for section, stories in section_groups()]
    assert groups == [("Quiet", [old]), ("Busy", recent[:3])]


def test_home_query_count_is_fixed(client):
    section = SectionFactory()
    ArticleFactory.create_batch(2, published=True, byline_count=1, tags=["a"], section=section)
    baseline = queries_to_render(client, "/")
    for n in range(3):
        ArticleFactory.create_batch(
            5,
            published=True,
            byline_count=6,
            tags=[f"x{n}", "y", "z"],
            section=SectionFactory(),
            lead_image=ImageFactory(),
        )
    assert queries_to_render(client, "/") == baseline
