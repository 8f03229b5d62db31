"""The story form's "Save and ..." buttons: the typed changes and the move in one action, or
neither, with everything typed kept."""

import pytest
from django.urls import reverse

from articles.models import Article, AuditEntry, StatusChange
from tests.factories import ArticleFactory, ContributorFactory, SectionFactory
from tests.helpers import full_story_form, inline_management

pytestmark = pytest.mark.django_db
Status = Article.Status
ADD = reverse("admin:articles_article_add")


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def test_save_and_submit_saves_the_typed_changes_then_submits(reporter_client, reporter):
    article = ArticleFactory(status=Status.DRAFT, created_by=reporter, headline="Old")
    response = reporter_client.post(
        change_url(article), full_story_form(article, headline="Typed just now", _move="submit")
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.headline, article.status) == ("Typed just now", Status.EDITING)
    assert StatusChange.objects.get(article=article).transition == "submit"


def test_the_change_form_offers_save_and_submit_instead_of_a_bare_move(reporter_client, reporter):
    article = ArticleFactory(status=Status.DRAFT, created_by=reporter)
    html = reporter_client.get(change_url(article)).content.decode()
    assert 'form="article_form" name="_move" value="submit">Save and submit</button>' in html
    assert "a move does not save the form" not in html
    # A reporter has no road to publication: no such button.
    assert 'value="publish"' not in html


def test_enter_in_a_one_line_field_has_a_disabled_default_button_to_press(editor_client):
    article = ArticleFactory(status=Status.DRAFT)
    html = editor_client.get(change_url(article)).content.decode()
    default = html.index('class="enter-does-not-submit" disabled')
    assert default < html.index('name="_move"')
    assert default < html.index('id="article_form"')


def test_an_editor_publishes_a_new_interview_from_the_add_form_in_one_action(editor_client):
    section, contributor = SectionFactory(name="Syria"), ContributorFactory(name="Moutasem Jamal")
    data = {
        "headline": "Two questions for a baker",
        "slug": "",
        "dek": "Bread in Yalda.",
        "body": "<p>The bakery reopened.</p>",
        "kind": Article.Kind.INTERVIEW,
        "section": str(section.pk),
        "tags": "",
        "lead_image": "",
        "original_language": "",
        "source_headline": "",
        "source_dek": "",
        "source_body": "",
        "published_at_0": "",
        "published_at_1": "",
        **inline_management("bylines", 1, 0),
        "bylines-0-position": "",
        "bylines-0-contributor": str(contributor.pk),
        "bylines-0-role": "interviewer",
        **inline_management("interview", 1, 0),
        "interview-0-interviewee_name": "Abu Khaled",
        "interview-0-interviewee_description": "a baker",
        **inline_management("exchanges", 2, 0),
        "exchanges-0-position": "",
        "exchanges-0-question": "What does bread cost?",
        "exchanges-0-answer": "Twice what it did.",
        "exchanges-1-position": "",
        "exchanges-1-question": "Who buys it?",
        "exchanges-1-answer": "Everyone.",
        **inline_management("corrections", 0, 0),
        "_move": "publish",
    }
    response = editor_client.post(ADD, data, follow=True)
    article = Article.objects.get()
    assert article.status == Status.PUBLISHED
    assert article.exchanges.count() == 2
    assert "submit → approve → publish" not in response.content.decode()  # labels, not names
    assert "draft → editing → approved → published" in response.content.decode()
    assert list(article.status_changes.order_by("pk").values_list("transition", flat=True)) == [
        "submit",
        "approve",
        "publish",
    ]
    assert AuditEntry.objects.filter(article=article, action="story.move").count() == 3


def test_a_refused_publish_saves_nothing_moves_nothing_and_keeps_the_typing(editor_client):
    article = ArticleFactory(status=Status.DRAFT, section=None, headline="As saved")
    response = editor_client.post(
        change_url(article), full_story_form(article, headline="Typed, not saved", _move="publish")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved and the story was not moved" in html
    assert "choose its section" in html
    assert 'value="Typed, not saved"' in html
    article.refresh_from_db()
    assert (article.headline, article.status) == ("As saved", Status.DRAFT)
    assert not StatusChange.objects.filter(article=article).exists()


def test_a_return_without_its_comment_is_refused_and_keeps_the_typing(editor_client):
    article = ArticleFactory(status=Status.EDITING, dek="As saved")
    response = editor_client.post(
        change_url(article),
        full_story_form(article, dek="A new standfirst", _move="return_to_reporter"),
    )
    assert response.status_code == 200
    assert "needs a comment" in response.content.decode()
    article.refresh_from_db()
    assert (article.dek, article.status) == ("As saved", Status.EDITING)


def test_a_return_with_its_comment_saves_and_returns(editor_client):
    article = ArticleFactory(status=Status.EDITING)
    response = editor_client.post(
        change_url(article),
        full_story_form(
            article,
            dek="Tightened",
            _move="return_to_reporter",
            move_comment_return_to_reporter="Please check the figures.",
        ),
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.dek, article.status) == ("Tightened", Status.DRAFT)
    assert StatusChange.objects.get(article=article).comment == "Please check the figures."


def test_a_refused_move_keeps_the_comment_typed_for_it(editor_client):
    article = ArticleFactory(published=True)
    response = editor_client.post(
        change_url(article),
        full_story_form(
            article,
            headline="",  # refused by the form itself
            _move="withdraw",
            move_comment_withdraw="The source recanted.",
        ),
    )
    assert response.status_code == 200
    assert "The source recanted.</textarea>" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED


def test_a_reporter_may_not_publish_their_own_draft_from_the_form(reporter_client, reporter):
    article = ArticleFactory(status=Status.DRAFT, created_by=reporter, headline="Mine")
    response = reporter_client.post(
        change_url(article), full_story_form(article, headline="Mine, edited", _move="publish")
    )
    assert response.status_code == 200
    article.refresh_from_db()
    assert (article.headline, article.status) == ("Mine", Status.DRAFT)


def test_a_reporter_may_not_submit_anothers_story_from_the_form(reporter_client):
    article = ArticleFactory(status=Status.DRAFT, headline="Someone else's")
    response = reporter_client.post(
        change_url(article), full_story_form(article, headline="Taken over", _move="submit")
    )
    assert response.status_code == 409
    article.refresh_from_db()
    assert (article.headline, article.status) == ("Someone else's", Status.DRAFT)


def test_a_translator_may_not_approve_from_the_form(translator_client):
    article = ArticleFactory(
        status=Status.TRANSLATION_REVIEW, original_language="ar", source_headline="عنوان"
    )
    response = translator_client.post(
        change_url(article), full_story_form(article, _move="approve")
    )
    assert response.status_code in (200, 409)
    article.refresh_from_db()
    assert article.status == Status.TRANSLATION_REVIEW
    assert not StatusChange.objects.filter(article=article).exists()


def test_a_reporters_new_story_is_saved_and_submitted_in_one_action(reporter_client, reporter):
    html = reporter_client.get(ADD).content.decode()
    assert 'name="_move" value="submit"' in html
    assert 'value="publish"' not in html
    data = {
        "headline": "Schools reopen in Daraa",
        "slug": "",
        "dek": "Children return.",
        "body": "<p>Text.</p>",
        "kind": Article.Kind.NEWS,
        "section": "",
        "tags": "",
        "lead_image": "",
        "original_language": "",
        "source_headline": "",
        "source_dek": "",
        "source_body": "",
        **inline_management("bylines", 0, 0),
        **inline_management("interview", 0, 0),
        **inline_management("exchanges", 0, 0),
        **inline_management("corrections", 0, 0),
        "_move": "submit",
    }
    response = reporter_client.post(ADD, data)
    assert response.status_code == 302
    article = Article.objects.get()
    assert (article.status, article.created_by) == (Status.EDITING, reporter)


def test_an_unknown_move_is_refused_with_its_name(editor_client):
    article = ArticleFactory(status=Status.DRAFT, headline="As saved")
    response = editor_client.post(
        change_url(article), full_story_form(article, headline="Typed", _move="fly_away")
    )
    assert "fly_away" in response.content.decode()
    article.refresh_from_db()
    assert article.headline == "As saved"


def test_a_news_story_saves_with_the_forms_empty_interviewee_and_exchange_rows(editor_client):
    # The browser sends the empty rows the form offers; an interviewee's row carries its story's
    # id as its own, which once made an empty one count as typed and refused the save.
    article = ArticleFactory(headline="As saved")
    data = full_story_form(article, headline="Saved in the browser")
    data.update(inline_management("interview", 1, 0))
    data.update(inline_management("exchanges", 1, 0))
    data.update(
        {
            "interview-0-article": str(article.pk),
            "interview-0-interviewee_name": "",
            "interview-0-interviewee_description": "",
            "exchanges-0-article": str(article.pk),
            "exchanges-0-position": "",
            "exchanges-0-question": "",
            "exchanges-0-answer": "",
        }
    )
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "Saved in the browser"
