"""The interview inlines of the story admin: the interviewee and the ordered exchanges."""

import pytest
from django.urls import reverse

from articles.models import Article
from interviews.models import Exchange, Interview
from tests.articles.admin.forms import management, story_form
from tests.factories import ArticleFactory, InterviewArticleFactory

pytestmark = pytest.mark.django_db


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def exchange_rows(article) -> dict[str, str]:
    rows = list(article.exchanges.order_by("position"))
    data = management("exchanges", len(rows), len(rows))
    for i, exchange in enumerate(rows):
        data.update(
            {
                f"exchanges-{i}-id": str(exchange.pk),
                f"exchanges-{i}-article": str(article.pk),
                f"exchanges-{i}-position": str(exchange.position),
                f"exchanges-{i}-question": exchange.question,
                f"exchanges-{i}-answer": exchange.answer,
                f"exchanges-{i}-question_original": exchange.question_original,
                f"exchanges-{i}-answer_original": exchange.answer_original,
            }
        )
    return data


def interview_row(article) -> dict[str, str]:
    interview = article.interview
    return {
        **management("interview", 1, 1),
        "interview-0-article": str(article.pk),
        "interview-0-interviewee_name": interview.interviewee_name,
        "interview-0-interviewee_description": interview.interviewee_description,
    }


def test_exchanges_reorder_by_swapping_their_numbers(editor_client):
    article = InterviewArticleFactory(exchange_count=3)
    first, second, third = article.exchanges.order_by("position")
    data = story_form(article, **exchange_rows(article), **interview_row(article))
    data["exchanges-0-position"], data["exchanges-2-position"] = "2", "0"
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(article.exchanges.order_by("position")) == [third, second, first]


def test_a_new_exchange_without_a_number_goes_last(editor_client):
    article = InterviewArticleFactory(exchange_count=2)
    data = story_form(article, **exchange_rows(article), **interview_row(article))
    data.update(management("exchanges", 3, 2))
    data.update(
        {
            "exchanges-2-position": "",
            "exchanges-2-question": "And now?",
            "exchanges-2-answer": "We wait.",
        }
    )
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302
    assert article.exchanges.order_by("position").last().question == "And now?"
    assert article.exchanges.order_by("position").last().position == 2


def test_an_exchange_without_an_answer_is_refused_and_nothing_changes(editor_client):
    article = InterviewArticleFactory(exchange_count=1)
    data = story_form(article, **exchange_rows(article), **interview_row(article))
    data["exchanges-0-answer"] = ""
    data["headline"] = "Changed"
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    article.refresh_from_db()
    assert article.headline != "Changed"
    assert Exchange.objects.get().answer


def test_a_story_has_at_most_one_interviewee(editor_client):
    article = ArticleFactory(kind=Article.Kind.INTERVIEW)
    data = story_form(article)
    data.update(management("interview", 2, 0))
    data.update({"interview-0-interviewee_name": "One", "interview-1-interviewee_name": "Two"})
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    assert not Interview.objects.exists()


def test_translator_sees_exchanges_read_only_outside_review(translator_client):
    article = InterviewArticleFactory(
        status=Article.Status.APPROVED, original_language="ar", exchange_count=1
    )
    response = translator_client.get(change_url(article))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert 'name="exchanges-0-question_original"' not in response.content.decode()


def test_translator_in_review_edits_exchange_text_but_cannot_add_or_remove_rows(
    translator_client,
):
    article = InterviewArticleFactory(
        status=Article.Status.TRANSLATION_REVIEW, original_language="ar", exchange_count=1
    )
    html = translator_client.get(change_url(article)).content.decode()
    assert 'name="exchanges-0-answer_original"' in html
    assert 'name="exchanges-0-position"' not in html
    assert 'name="exchanges-0-DELETE"' not in html
    assert 'name="exchanges-__prefix__-question"' not in html
