"""Paste copy: a story in the newsroom's format pasted into the desk, as a reporter or editor."""

import pytest
from django.contrib.messages import get_messages

from articles.models import Article, Section
from tests.articles.admin.forms import PASTE, change_url
from tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db
PASTED_INTERVIEW = """\
Headline: Bread prices in Yalda
Dek: A baker explains.
Byline: Moutasem Jamal (interviewer)
Interviewee: Abu Khaled — a baker in Yalda

The bakery reopened last week.

Q: What does bread cost?

A: Twice what it did [before the siege].

Q: Who buys it?

Everyone in the street.
"""


# Paste copy


def test_paste_copy_creates_a_draft_and_goes_to_its_change_page(reporter_client, reporter):
    response = reporter_client.post(PASTE, {"text": PASTED_INTERVIEW})
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == change_url(article)
    assert article.status == Article.Status.DRAFT
    assert article.headline == "Bread prices in Yalda"
    assert article.exchanges.count() == 2
    assert any("created" in str(m) for m in get_messages(response.wsgi_request))


def test_paste_copy_of_a_bad_file_shows_the_line_keeps_the_text_and_writes_nothing(
    reporter_client,
):
    text = "Headline: A story\nMood: cheerful\n\nBody text."
    response = reporter_client.post(PASTE, {"text": text})
    html = response.content.decode()
    assert response.status_code == 200
    assert "pasted copy, line 2" in html
    assert "Mood: cheerful" in html  # the text stays in the form to be fixed
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param(
            "Headline: A story\nSection: Sy\x00ria\n\nBody text.",
            "pasted copy, line 2: contains a NUL character",
            id="NUL",
        ),
        pytest.param(
            "Headline: A long interview\n\n"
            + "".join(f"Q: Question {n}?\n\nAnswer {n}.\n\n" for n in range(32_768)),
            "pasted copy, line 2003: question 501: a story holds at most 500",
            id="more exchanges than a smallint counts",
        ),
    ],
)
def test_paste_copy_of_text_no_database_could_store_shows_the_line_and_writes_nothing(
    editor_client, text, error
):
    """PostgreSQL refuses a NUL and exchange positions past 32,767: the page was a 500."""
    response = editor_client.post(PASTE, {"text": text})
    assert response.status_code == 200
    (message,) = response.context["form"].errors["text"]
    assert message.startswith(error)
    assert not Article.objects.exists()


def test_paste_copy_removes_other_control_characters(editor_client):
    text = "Headline: Rebels agree\vto truce\x1b\r\n\r\nBody\x07 text."
    assert editor_client.post(PASTE, {"text": text}).status_code == 302
    article = Article.objects.get()
    assert (article.headline, article.body) == ("Rebels agree to truce", "<p>Body text.</p>")


def test_paste_copy_may_not_overwrite_someone_elses_draft(reporter_client):
    other = ArticleFactory(headline="Old headline", slug="their-story")
    text = "Headline: Taken over\nSlug: their-story\n\nMy text."
    response = reporter_client.post(PASTE, {"text": text})
    html = response.content.decode()
    assert response.status_code == 200
    assert "taken by a story you cannot change" in html
    assert "Old headline" not in html  # nothing of a story the reporter may not open
    other.refresh_from_db()
    assert other.headline == "Old headline"


def test_paste_copy_by_a_reporter_may_name_an_existing_section_but_not_add_one(
    reporter_client,
):
    SectionFactory(name="Syria")
    text = "Headline: Wheat harvest\nSection: syria\n\nThe harvest is late."
    assert reporter_client.post(PASTE, {"text": text}).status_code == 302
    assert Article.objects.get().section.name == "Syria"

    text = "Headline: Olive harvest\nSection: Idlib\n\nThe harvest is early."
    response = reporter_client.post(PASTE, {"text": text})
    assert response.status_code == 200
    assert "only editors add sections" in response.content.decode()
    assert not Section.objects.filter(name="Idlib").exists()
    assert not Article.objects.filter(headline="Olive harvest").exists()


def test_paste_copy_by_an_editor_adds_a_new_section(editor_client):
    text = "Headline: Olive harvest\nSection: Idlib\n\nThe harvest is early."
    assert editor_client.post(PASTE, {"text": text}).status_code == 302
    assert Article.objects.get(headline="Olive harvest").section.name == "Idlib"


def test_paste_copy_of_an_empty_text_asks_for_text(reporter_client):
    response = reporter_client.post(PASTE, {"text": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["text"]


def test_translator_may_not_open_paste_copy(translator_client):
    assert translator_client.get(PASTE).status_code == 403
