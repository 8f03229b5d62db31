"""Search: full text (ranking, stemming, snippets) on PostgreSQL and on SQLite's FTS5, with the
same results on both (run these with DATABASE_URL=postgres://... as well)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles import changes
from articles.models import Article, Byline
from articles.search import (
    clean_query,
    match_expression,
    refresh_search_vectors,
    search_articles,
    snippet_for,
)
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    ContributorFactory,
    ExchangeFactory,
    InterviewArticleFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's own (set DATABASE_URL=postgres://...)"
)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own")


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


def test_search_stems_and_ranks_headline_matches_first():
    ArticleFactory(published=True, headline="Other news", body="<p>They negotiated for days.</p>")
    ArticleFactory(published=True, headline="Negotiations resume in Daraa")
    assert headlines("negotiation") == ["Negotiations resume in Daraa", "Other news"]


def test_the_snippet_is_highlighted_and_escaped():
    ArticleFactory(
        published=True,
        headline="X",
        dek="Bread <b>prices</b> doubled",
        body="<p>Prices rose again.</p>",
    )
    article = search_articles("price")[0]
    snippet = snippet_for(article, "price")
    # Tags are dropped before the words are read; whatever is left is escaped.
    assert "<mark>prices</mark>" in snippet
    assert "<b>" not in snippet


def test_web_search_syntax_is_supported():
    ArticleFactory(published=True, headline="Truce in Qadam")
    ArticleFactory(published=True, headline="Truce in Yarmouk")
    assert headlines("truce -yarmouk") == ["Truce in Qadam"]
    assert headlines('"truce in yarmouk"') == ["Truce in Yarmouk"]


def test_search_follows_every_change_to_what_a_story_is_found_by(editor):
    article = InterviewArticleFactory(published=True, headline="Plain headline")
    exchange = ExchangeFactory(article=article, question="Who came?", answer="Nobody came.")
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


# The same on both databases ------------------------------------------------------------------


def test_the_standfirst_outranks_the_body_and_the_body_the_original_text():
    ArticleFactory(published=True, headline="Original", source_body="<p>The siege.</p>")
    ArticleFactory(published=True, headline="Body", body="<p>The siege goes on.</p>")
    ArticleFactory(published=True, headline="Standfirst", dek="The siege goes on.")
    ArticleFactory(published=True, headline="The siege of Yarmouk")
    assert headlines("siege") == ["The siege of Yarmouk", "Standfirst", "Body", "Original"]


def test_the_story_that_fits_best_is_found_first_among_two_thousand_newer_matches():
    now = timezone.now()
    newer = Article.objects.bulk_create(
        Article(
            headline=f"Market report {n}",
            slug=f"market-report-{n}",
            body="<p>Bread prices rose; the bakeries of Daraa queued for flour.</p>",
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(minutes=n + 1),
        )
        for n in range(2000)
    )
    refresh_search_vectors(article.pk for article in newer)
    ArticleFactory(
        published=True,
        headline="Flour runs out in Daraa's bakeries",
        published_at=now - timedelta(days=3650),
    )
    results = search_articles("flour bakeries Daraa")
    assert results.count() == 2001
    assert results[0].headline == "Flour runs out in Daraa's bakeries"


def test_the_original_language_text_is_found():
    ArticleFactory(
        published=True,
        headline="Water returns to Raqqa",
        original_language="ar",
        source_headline="عودة المياه إلى الرقة",
        source_body="<p>أعيد تشغيل محطة الضخ.</p>",
    )
    interview = InterviewArticleFactory(published=True, headline="A baker speaks")
    ExchangeFactory(
        article=interview,
        question="What do you bake?",
        answer="Bread.",
        question_original="ماذا تخبز؟",
        answer_original="الخبز، كل يوم.",
    )
    ArticleFactory(published=True, headline="Elsewhere", body="<p>The pumping station.</p>")
    assert headlines("الرقة") == ["Water returns to Raqqa"]
    assert headlines("محطة الضخ") == ["Water returns to Raqqa"]
    assert headlines("الخبز") == ["A baker speaks"]


def test_a_draft_is_never_found_whatever_it_holds():
    ArticleFactory(headline="Secret truce", source_headline="هدنة", dek="The truce.")
    for query in ("secret", "truce", "هدنة", '"secret truce"'):
        assert headlines(query) == [], query


def test_an_edit_is_found_at_once_and_a_deleted_story_is_gone(editor):
    article = ArticleFactory(published=True, headline="Plain headline")
    changes.edit_story(
        article, changes.StoryChanges(fields={"headline": "Ceasefire holds"}), by=editor
    )
    assert headlines("ceasefire") == ["Ceasefire holds"]
    assert headlines("plain") == []
    changes.delete_story(Article.objects.get(pk=article.pk), by=editor)
    assert headlines("ceasefire") == []


def test_the_door_keeps_search_in_step_under_the_write_guard(editor):
    article = ArticleFactory(published=True, headline="Plain headline")
    with connection.execute_wrapper(changes.WriteGuard()):
        changes.edit_story(
            article, changes.StoryChanges(fields={"dek": "Bakeries reopen."}), by=editor
        )
    assert headlines("bakeries") == ["Plain headline"]


def test_a_restored_archive_is_searched_as_restored():
    kept = ArticleFactory(published=True, headline="Bakeries reopen")
    gone = ArticleFactory(published=True, headline="Bakeries close")
    # What a restore does: writes every table around the door, then announces it.
    Article.objects.filter(pk=kept.pk).update(headline="Mills reopen")
    Article.objects.filter(pk=gone.pk).delete()
    changes.announce_restored_archive()
    assert headlines("bakeries") == []
    assert headlines("mills") == ["Mills reopen"]


@pytest.mark.parametrize(
    "query",
    [
        'truce"',
        '"truce',
        '""',
        "truce AND",
        "AND OR NOT",
        "NEAR(truce agreed)",
        "NEAR(truce agreed, 2)",
        "truce*",
        "*",
        "^truce",
        "headline:truce",
        "{headline}: truce",
        "truce + agreed",
        "(truce",
        "truce)",
        "-truce",
        "--truce",
        "truce -",
        "'truce'",
        "truce:*",
        "!truce",
        "truce OR agreed",
        "\\",
        "%_",
    ],
)
def test_hostile_and_syntax_like_queries_never_raise(query):
    ArticleFactory(published=True, headline="Truce agreed in Qadam", dek="The truce holds.")
    results = list(search_articles(query))
    assert all(article.headline == "Truce agreed in Qadam" for article in results)
    for article in results:
        snippet_for(article, query)


def test_what_a_person_types_is_turned_into_quoted_words():
    assert match_expression('NEAR(truce "agreed in" Qadam*') == '("NEAR truce" "agreed in" "Qadam")'
    assert match_expression("truce -Yarmouk") == '("truce") NOT "Yarmouk"'
    assert match_expression('headline:truce AND "x""y"') == '("headline truce" "AND" "x" "y")'
    assert match_expression("-truce") is None
    assert match_expression("*^:()") is None


@sqlite_only
def test_sqlite_ranks_every_match_and_pages_the_ranked_query():
    sql, _ = search_articles("truce").query.sql_with_params()
    assert "MATCH" in sql
    assert "bm25(" in sql
    ArticleFactory.create_batch(3, published=True, dek="The truce holds.")
    page = search_articles("truce")[1:2]
    assert "LIMIT 1 OFFSET 1" in str(page.query)
