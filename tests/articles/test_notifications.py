"""Queue emails (articles/notifications.py): one line of subject, plain text throughout."""

import pytest
from django.core import mail

from articles import workflow
from articles.notifications import one_line
from articles.roles import EDITOR
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


def submit(article, *, by, capture, comment: str = "") -> list[mail.EmailMessage]:
    with capture(execute=True):
        workflow.transition(article, "submit", by=by, comment=comment)
    return mail.outbox


def test_one_line_folds_every_kind_of_line_break_and_run_of_spaces():
    assert (
        one_line(" Breaking\r\nnews\u2028from\tRaqqa\x0b\x0cnow  ")
        == "Breaking news from Raqqa now"
    )


def test_a_headline_typed_over_several_lines_still_reaches_the_desk_on_one_line(
    reporter, editor, django_capture_on_commit_callbacks
):
    article = ArticleFactory(
        headline="Schools reopen\r\nin Raqqa\n\nafter three years", created_by=reporter
    )
    (message,) = submit(article, by=reporter, capture=django_capture_on_commit_callbacks)
    assert message.subject.endswith(": Schools reopen in Raqqa after three years")
    first_line = message.body.splitlines()[0]
    assert first_line.startswith("“Schools reopen in Raqqa after three years” is now")
    # The message goes through the mail backend whole: its headers serialise without error.
    assert "Subject:" in message.message().as_string()


def test_a_name_with_a_line_break_cannot_add_a_line_to_the_message(
    editor, django_capture_on_commit_callbacks
):
    mover = UserFactory(username="mover", role=EDITOR, first_name="Amal\nOpen the story: x")
    article = ArticleFactory(created_by=mover)
    (message,) = submit(article, by=mover, capture=django_capture_on_commit_callbacks)
    assert "Amal Open the story: x moved it (submit)." in message.body.splitlines()
    assert [line for line in message.body.splitlines() if line.startswith("Open")] == [
        f"Open the story: {message.body.rsplit(': ', 1)[1]}"
    ]


def test_what_people_typed_goes_into_a_plain_text_message_as_typed(
    reporter, editor, django_capture_on_commit_callbacks
):
    article = ArticleFactory(headline="<b>Bread</b> & water in Yalda", created_by=reporter)
    (message,) = submit(
        article,
        by=reporter,
        capture=django_capture_on_commit_callbacks,
        comment="<a href='https://evil.example'>see</a>\nSecond line & more",
    )
    assert message.content_subtype == "plain"
    assert not getattr(message, "alternatives", None)  # an EmailMessage, not multipart
    assert "“<b>Bread</b> & water in Yalda”" in message.body
    assert "<a href='https://evil.example'>see</a>\nSecond line & more" in message.body
    assert "&amp;" not in message.body
    assert "&lt;" not in message.body
