"""Pasting a whole Q/A block into the interview form: the importer's parser turns it into
exchanges for the form to fill in; nothing is written until the story is saved."""

import json

import pytest
from django.urls import reverse

from interviews.models import Exchange
from tests.conftest import login_as

pytestmark = pytest.mark.django_db

URL = "admin:articles_article_parse_exchanges"


def parse(client, text: str, original: str = ""):
    return client.post(
        reverse(URL),
        data=json.dumps({"text": text, "original": original}),
        content_type="application/json",
    )


def test_a_pasted_block_becomes_exchanges_with_their_originals(reporter_client):
    response = parse(
        reporter_client,
        "An intro line.\n\nQ: Who agreed?\n\nA: Both sides.\n\nThey [then] signed.\n\n"
        "Question: And then?\nAnswer: Calm.",
        "س: من وافق؟\n\nج: الطرفان.\n\nس: ثم؟\n\nج: هدوء.",
    )
    assert response.status_code == 200
    data = response.json()
    assert data["intro_paragraphs"] == 1
    assert data["exchanges"] == [
        {
            "question": "Who agreed?",
            "answer": "Both sides.\n\nThey [then] signed.",
            "question_original": "من وافق؟",
            "answer_original": "الطرفان.",
        },
        {
            "question": "And then?",
            "answer": "Calm.",
            "question_original": "ثم؟",
            "answer_original": "هدوء.",
        },
    ]
    assert not Exchange.objects.exists()


def test_a_question_without_an_answer_is_named_by_its_line(reporter_client):
    response = parse(reporter_client, "Q: One?\n\nA: Yes.\n\nQ: Two?")
    assert response.status_code == 400
    assert response.json()["error"] == "Line 5: the question “Two?” has no answer."


def test_an_original_with_other_questions_is_refused(reporter_client):
    response = parse(reporter_client, "Q: One?\n\nA: Yes.", "س: ١؟\n\nج: نعم.\n\nس: ٢؟\n\nج: لا.")
    assert response.status_code == 400
    assert "The original has 2 question(s) but the English has 1" in response.json()["error"]


def test_copy_without_questions_says_how_to_mark_them(reporter_client):
    response = parse(reporter_client, "Just a paragraph.")
    assert response.status_code == 400
    assert "Q:" in response.json()["error"]


def test_a_nul_character_is_refused_by_its_line(reporter_client):
    response = parse(reporter_client, "Q: One?\n\nA: Y\x00es.")
    assert response.status_code == 400
    assert response.json()["error"].startswith("Line 3:")


def test_parsing_answers_post_only_and_signed_in_staff_only(client, reporter):
    assert parse(client, "Q: a?\n\nA: b.").status_code == 302  # to sign in
    login_as(client, reporter)
    assert client.get(reverse(URL)).status_code == 405


def test_the_exchange_inline_keeps_positions_hidden_for_the_form_to_fill(editor_client):
    from tests.factories import ExchangeFactory, InterviewArticleFactory

    article = InterviewArticleFactory()
    ExchangeFactory(article=article, position=3)
    html = editor_client.get(
        reverse("admin:articles_article_change", args=[article.pk])
    ).content.decode()
    assert 'type="hidden" name="exchanges-0-position" value="3"' in html
    assert "admin-extra/exchanges.js" in html
