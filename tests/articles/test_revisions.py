"""Revisions: every save kept with who and when, compared as a diff, restored as a new revision."""

import pytest
from django.urls import reverse

from articles import changes, revisions
from articles.models import Article, Byline
from tests.articles.admin.forms import byline_rows, management, story_form
from tests.factories import ArticleFactory, ContributorFactory, ExchangeFactory

pytestmark = pytest.mark.django_db


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def save_through_admin(client, article, **changes):
    article.refresh_from_db()
    data = story_form(article, **byline_rows(article))
    data.update(changes)
    response = client.post(change_url(article), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()
    return article


def test_every_admin_save_is_a_revision_with_who_and_what(editor_client, editor):
    article = ArticleFactory(headline="First headline", byline_count=1)
    save_through_admin(editor_client, article, headline="Second headline")
    save_through_admin(editor_client, article, headline="Third headline")
    kept = revisions.revisions(article)
    assert [r.number for r in kept] == [3, 2, 1]
    assert [r.fields["headline"] for r in kept] == [
        "Third headline",
        "Second headline",
        "First headline",
    ]
    assert kept[0].by == editor


def test_a_revision_includes_the_bylines_and_exchanges_of_that_save(editor_client):
    article = ArticleFactory(byline_count=1, kind=Article.Kind.INTERVIEW)
    ExchangeFactory(article=article, position=0, question="Old question?")
    added = ContributorFactory(name="Added Later")
    data = byline_rows(article)
    data.update(management("bylines", 2, 1))
    data.update(
        {
            "bylines-1-position": "1",
            "bylines-1-contributor": str(added.pk),
            "bylines-1-role": "translator",
        }
    )
    save_through_admin(editor_client, article, **data)
    newest, oldest = revisions.revisions(article)[0], revisions.revisions(article)[-1]
    assert [b["contributor_id"] for b in newest.bylines][-1] == added.pk
    assert len(oldest.bylines) == 1
    assert oldest.exchanges[0]["question"] == "Old question?"


def test_compare_page_shows_a_word_level_diff(editor_client):
    article = ArticleFactory(headline="The truce holds in Yalda")
    save_through_admin(editor_client, article, headline="The truce broke in Yalda")
    newer, older = revisions.revisions(article)[:2]
    response = editor_client.get(
        reverse("admin:articles_article_compare", args=[article.pk]),
        {"a": older.history_id, "b": newer.history_id},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<del>holds</del> <ins>broke</ins>" in html


def test_compare_without_two_revisions_says_so(editor_client):
    article = ArticleFactory()
    response = editor_client.get(
        reverse("admin:articles_article_compare", args=[article.pk]), {"a": "x"}, follow=True
    )
    assert "Choose two revisions" in response.content.decode()


def test_restoring_an_old_revision_brings_back_text_and_credits_as_a_new_revision(
    editor_client, editor
):
    article = ArticleFactory(headline="Original", byline_count=2)
    first_credits = list(article.bylines.values_list("contributor_id", "position"))
    data = byline_rows(article)
    data["bylines-1-DELETE"] = "on"
    save_through_admin(editor_client, article, headline="Rewritten", **data)
    assert article.bylines.count() == 1
    original = revisions.revisions(article)[-1]
    version_before = article.version
    response = editor_client.post(
        reverse("admin:articles_article_restore", args=[article.pk, original.history_id])
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "Original"
    assert list(article.bylines.values_list("contributor_id", "position")) == first_credits
    assert article.version == version_before + 1
    latest = revisions.revisions(article)[0]
    assert latest.number == 3
    assert "Restored revision 1" in latest.reason
    assert latest.by == editor


def test_restore_keeps_the_workflow_state(editor):
    article = ArticleFactory(headline="Before", status=Article.Status.EDITING)
    article.headline = "After"
    article.save()
    changes.restore_revision(article, revisions.revisions(article)[-1], by=editor)
    article.refresh_from_db()
    assert (article.headline, article.status) == ("Before", Article.Status.EDITING)


def test_only_editors_restore(reporter_client, reporter):
    article = ArticleFactory(headline="Before", created_by=reporter)
    article.headline = "After"
    article.save()
    oldest = revisions.revisions(article)[-1]
    response = reporter_client.post(
        reverse("admin:articles_article_restore", args=[article.pk, oldest.history_id]),
        follow=True,
    )
    assert "Only editors restore" in response.content.decode()
    article.refresh_from_db()
    assert article.headline == "After"


def test_revisions_page_lists_every_save_for_those_who_may_see_the_story(client, people):
    article = ArticleFactory(created_by=people["reporter"])
    url = reverse("admin:articles_article_revisions", args=[article.pk])
    client.force_login(people["reporter"])
    assert client.get(url).status_code == 200
    client.force_login(people["translator"])
    assert client.get(url).status_code == 404


@pytest.fixture
def people(reporter, translator, editor):
    return {"reporter": reporter, "translator": translator, "editor": editor}


def test_byline_deletion_is_kept_in_history():
    article = ArticleFactory(byline_count=1)
    article.bylines.get().delete()
    assert Byline.history.filter(article_id=article.pk, history_type="-").count() == 1


def test_revisions_page_says_what_each_save_changed(editor_client):
    article = ArticleFactory(headline="Before", byline_count=1)
    save_through_admin(editor_client, article, headline="After", dek="New dek")
    html = editor_client.get(
        reverse("admin:articles_article_revisions", args=[article.pk])
    ).content.decode()
    assert "Headline, Standfirst" in html
    assert "First save." in html


def test_restoring_an_address_another_story_now_has_is_refused_and_changes_nothing(
    editor_client,
):
    article = ArticleFactory(headline="Old headline", slug="truce-in-yalda", byline_count=1)
    save_through_admin(editor_client, article, headline="New headline", slug="truce-holds")
    ArticleFactory(headline="Another story", slug="truce-in-yalda")
    oldest = revisions.revisions(article)[-1]
    version_before = article.version

    response = editor_client.post(
        reverse("admin:articles_article_restore", args=[article.pk, oldest.history_id]),
        follow=True,
    )

    assert response.status_code == 200
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors == [
        "Revision 1 was not restored: its address /articles/truce-in-yalda/ now belongs "
        "to “Another story”. Change that story's address first."
    ]
    assert "restored, as a new revision" not in response.content.decode()
    article.refresh_from_db()
    assert (article.headline, article.slug) == ("New headline", "truce-holds")
    assert article.version == version_before
    assert len(revisions.revisions(article)) == 2


def test_restore_refuses_an_address_in_use_without_the_admin(editor):
    article = ArticleFactory(headline="Before", slug="before")
    article.slug, article.headline = "after", "After"
    article.save()
    ArticleFactory(slug="before")
    with pytest.raises(changes.ChangeRefused, match="/articles/before/"):
        changes.restore_revision(article, revisions.revisions(article)[-1], by=editor)
    article.refresh_from_db()
    assert (article.slug, article.headline) == ("after", "After")
