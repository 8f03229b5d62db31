"""Search: PostgreSQL full text (ranking, stemming, snippets) and the SQLite fallback."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles import changes
from articles.models import Article, Byline
from articles.search import clean_query, search_articles, snippet_for
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    ContributorFactory,
    ExchangeFactory,
    InterviewArticleFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="full-text search needs PostgreSQL (set DATABASE_URL=postgres://...)",
)


def headlines(query: str) -> list[str]:
    return [a.headline for a in search_articles(query)]


def test_finds_words_in_headline_dek_body_exchanges_and_contributors():
    ArticleFactory(published=True, headline="Truce agreed in Qadam")
    ArticleFactory(published=True, headline="Dek story", dek="The blockade continues.")
    ArticleFactory(published=True, headline="Body story", body="<p>Medical supplies ran out.</p>")
    interview = ArticleFactory(published=True, headline="Interview story", kind="interview")
    ExchangeFactory(article=interview, question="Who trusts the ceasefire?", answer="Nobody.")
    credited = ArticleFactory(published=True, headline="Credited story")
    BylineFactory(
        article=credited,
        contributor=ContributorFactory(name="Moutasem Jamal"),
        role=Byline.Role.INTERVIEWER,
    )
    assert headlines("truce") == ["Truce agreed in Qadam"]
    assert headlines("blockade") == ["Dek story"]
    assert headlines("supplies") == ["Body story"]
    assert headlines("ceasefire") == ["Interview story"]
    assert headlines("Jamal") == ["Credited story"]


def test_search_shows_published_stories_only():
    ArticleFactory(published=True, headline="Visible truce")
    for status in (
        Article.Status.DRAFT,
        Article.Status.EDITING,
        Article.Status.APPROVED,
        Article.Status.TRANSLATION_REVIEW,
    ):
        ArticleFactory(status=status, headline=f"Hidden {status} truce")
    ArticleFactory(
        status=Article.Status.SCHEDULED,
        headline="Hidden future truce",
        published_at=timezone.now() + timedelta(hours=1),
    )
    ArticleFactory(
        status=Article.Status.WITHDRAWN,
        headline="Hidden withdrawn truce",
        published_at=timezone.now() - timedelta(hours=1),
    )
    assert headlines("truce") == ["Visible truce"]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "\x00",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "&|!:*()",
        '"unclosed',
        "a" * 5000,
        "-",
        "truce & | !",
    ],
)
def test_empty_and_hostile_queries_are_answered_calmly(client, query):
    ArticleFactory(published=True, headline="A truce")
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert html.count("<h1") == 1


def test_search_page_highlights_matches_and_escapes_the_rest(client):
    ArticleFactory(published=True, headline="Bread", dek='Bread prices & "fuel" <doubled> here.')
    html = client.get("/search/", {"q": "prices"}).content.decode()
    assert "1 result" in html
    assert "<mark>prices</mark> &amp;" in html
    assert "<doubled>" not in html


def test_snippet_escapes_before_marking():
    article = ArticleFactory.build(dek="<img src=x onerror=alert(1)> truce", body="")
    snippet = snippet_for(article, "truce")
    assert "<img" not in snippet
    assert "<mark>truce</mark>" in snippet


def test_queries_are_cleaned():
    assert clean_query("  truce\x00 \n agreement ") == "truce agreement"
    assert len(clean_query("x" * 1000)) == 200


def test_search_results_are_paginated(client):
    ArticleFactory.create_batch(23, published=True, dek="The siege continues.")
    html = client.get("/search/", {"q": "siege"}).content.decode()
    assert "23 results" in html
    assert 'rel="next" href="?q=siege&amp;page=2"' in html


@postgresql_only
def test_postgresql_stems_and_ranks_headline_matches_first():
    ArticleFactory(published=True, headline="Other news", body="<p>They negotiated for days.</p>")
    ArticleFactory(published=True, headline="Negotiations resume in Daraa")
    assert headlines("negotiation") == ["Negotiations resume in Daraa", "Other news"]


@postgresql_only
def test_postgresql_snippet_is_highlighted_and_escaped():
    ArticleFactory(
        published=True,
        headline="X",
        dek="Bread <b>prices</b> doubled",
        body="<p>Prices rose again.</p>",
    )
    article = search_articles("price")[0]
    snippet = snippet_for(article, "price")
    # PostgreSQL's parser drops what looks like a tag; whatever is left is escaped.
    assert "<mark>prices</mark>" in snippet
    assert "<b>" not in snippet


@postgresql_only
def test_postgresql_websearch_syntax_is_supported():
    ArticleFactory(published=True, headline="Truce in Qadam")
    ArticleFactory(published=True, headline="Truce in Yarmouk")
    assert headlines("truce -yarmouk") == ["Truce in Qadam"]
    assert headlines('"truce in yarmouk"') == ["Truce in Yarmouk"]


@postgresql_only
def test_the_stored_vector_follows_every_change_to_what_a_story_is_found_by(editor):
    article = InterviewArticleFactory(published=True, headline="Plain headline")
    exchange = ExchangeFactory(article=article, question="Who came?", answer="Nobody came.")
    assert Article.objects.get(pk=article.pk).search_vector is not None
    assert headlines("ceasefire") == []
    row = changes.ExchangeRow(question="Who came?", answer="The ceasefire holds.", pk=exchange.pk)
    changes.edit_story(article, changes.StoryChanges(exchanges=[row]), by=editor)
    assert headlines("ceasefire") == ["Plain headline"]
    contributor = ContributorFactory(name="Hala Nasser")
    credit = changes.BylineRow(role="author", contributor_id=contributor.pk)
    changes.edit_story(article, changes.StoryChanges(bylines=[credit]), by=editor)
    assert headlines("Nasser") == ["Plain headline"]
    contributor.name = "Hala Haddad"
    changes.save_library_item(contributor, by=editor)
    assert headlines("Haddad") == ["Plain headline"]
    assert headlines("Nasser") == []
    changes.edit_story(article, changes.StoryChanges(exchanges=[]), by=editor)
    assert headlines("ceasefire") == []


@postgresql_only
def test_search_matches_the_stored_gin_indexed_vector_not_one_computed_per_story():
    sql, _ = search_articles("truce").query.sql_with_params()
    assert '"search_vector" @@' in sql
    assert "to_tsvector" not in sql  # nothing computed per row: the GIN index can answer
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'article_search_vector_gin'"
        )
        (definition,) = cursor.fetchone()
    assert "USING gin (search_vector)" in definition


@postgresql_only
def test_common_words_rank_the_newest_matches_and_the_page_says_so(client, monkeypatch):
    monkeypatch.setattr("articles.search.RANKED_MATCHES", 3)
    monkeypatch.setattr("public.views.RANKED_MATCHES", 3)
    now = timezone.now()
    for days in range(5):
        ArticleFactory(
            published=True,
            headline=f"Truce story {days} days old",
            published_at=now - timedelta(days=days, hours=1),
        )
    assert sorted(headlines("truce")) == [f"Truce story {d} days old" for d in (0, 1, 2)]
    page = client.get("/search/?q=truce").content.decode()
    assert "The 3 most recent of many results" in page


@postgresql_only
def test_the_desk_search_finds_any_story_by_word_start_text_contributor_or_slug(editor_client):
    draft = ArticleFactory(
        headline="Water returns to Raqqa", body="<p>The pumping station reopened.</p>"
    )
    BylineFactory(article=draft, contributor=ContributorFactory(name="Hadi Suleiman"))
    ArticleFactory(published=True, headline="Bread prices in Yalda")
    for words in ("Raq", "pumping station", "suleiman", draft.slug):
        response = editor_client.get("/admin/articles/article/", {"q": words})
        assert list(response.context["cl"].result_list) == [draft], words


@postgresql_only
def test_the_desk_search_takes_any_text_without_an_error(editor_client):
    ArticleFactory(headline="Water returns to Raqqa")
    for words in ("':* | !(", "<script>alert(1)</script>", "_", "\x00", "رقة"):
        response = editor_client.get("/admin/articles/article/", {"q": words})
        assert response.status_code == 200, words
