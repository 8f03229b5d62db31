"""The story form in the admin: the add form and its inlines, reordering credits, no lost work
(the version a save was loaded at), corrections and tags."""

import pytest

from articles.changes import door
from articles.models import Article
from interviews.models import Exchange, Interview
from tests.articles.admin.forms import ADD, byline_rows, change_url, management, story_form
from tests.factories import ArticleFactory, ContributorFactory, InterviewArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


# The add form


def test_add_form_renders_the_rich_text_editor_and_has_no_status_field(editor_client):
    response = editor_client.get(ADD)
    html = response.content.decode()
    assert response.status_code == 200
    assert "django_prose_editor" in html  # the editor's script and styles are on the page
    assert "status" not in response.context["adminform"].form.fields


def test_add_form_with_bylines_interviewee_and_exchanges_creates_the_whole_story(
    editor_client, editor
):
    moutasem, translator = ContributorFactory(name="Moutasem Jamal"), ContributorFactory()
    data = story_form(kind=Article.Kind.INTERVIEW, headline="On the truce in south Damascus")
    data.update(management("bylines", 2, 0))
    data.update(
        {
            "bylines-0-position": "0",
            "bylines-0-contributor": str(moutasem.pk),
            "bylines-0-role": "interviewer",
            "bylines-1-position": "",
            "bylines-1-contributor": str(translator.pk),
            "bylines-1-role": "translator",
        }
    )
    data.update(management("interview", 1, 0))
    data.update(
        {
            "interview-0-interviewee_name": "Ammar al-Maydani",
            "interview-0-interviewee_description": "a south Damascus media activist",
        }
    )
    data.update(management("exchanges", 2, 0))
    data.update(
        {
            "exchanges-0-position": "1",
            "exchanges-0-question": "What changed?",
            "exchanges-0-answer": "[Since the agreement,] both sides hold.",
            "exchanges-1-position": "0",
            "exchanges-1-question": "Who negotiated?",
            "exchanges-1-answer": "The local committee.",
        }
    )
    response = editor_client.post(ADD, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(headline="On the truce in south Damascus")
    assert article.created_by == editor
    assert article.status == Article.Status.DRAFT
    assert [(b.contributor, b.role, b.position) for b in article.bylines.all()] == [
        (moutasem, "interviewer", 0),
        (translator, "translator", 1),
    ]
    assert article.interview.interviewee_name == "Ammar al-Maydani"
    assert [e.question for e in article.exchanges.order_by("position")] == [
        "Who negotiated?",
        "What changed?",
    ]


def test_add_form_refuses_two_bylines_at_one_position_and_writes_nothing(editor_client):
    a, b = ContributorFactory(), ContributorFactory()
    data = story_form()
    data.update(management("bylines", 2, 0))
    data.update(
        {
            "bylines-0-position": "3",
            "bylines-0-contributor": str(a.pk),
            "bylines-0-role": "author",
            "bylines-1-position": "3",
            "bylines-1-contributor": str(b.pk),
            "bylines-1-role": "author",
        }
    )
    response = editor_client.post(ADD, data)
    assert response.status_code == 200
    assert "same position (3)" in response.content.decode()
    assert not Article.objects.exists()


def test_posted_status_is_ignored_by_the_story_form(editor_client):
    response = editor_client.post(ADD, story_form(status="published"))
    assert response.status_code == 302
    assert Article.objects.get().status == Article.Status.DRAFT


def test_hostile_body_html_is_sanitized_on_save(editor_client):
    body = '<p onclick="steal()">Hi<script>alert(1)</script><img src=x onerror=alert(1)></p>'
    editor_client.post(ADD, story_form(body=body))
    stored = Article.objects.get().body
    assert "script" not in stored
    assert "onerror" not in stored
    assert "onclick" not in stored


def test_the_story_form_cleans_control_characters_out_of_every_text_field(editor_client):
    """A soft line break pasted from a word processor is a vertical tab: a space in a one-line
    field, a newline in a text; other control characters go, and line endings become plain."""
    data = story_form(
        kind=Article.Kind.INTERVIEW,
        headline="Rebels agree\vto truce",
        dek="One\r\ntwo\x1b three\ufffe",
        body="<p>First\x0cline\x07</p>",
        tags="Dam\x01ascus, \x02",
        original_language="ar",
        source_headline="الثوار\u200f\x0bهدنة",
        source_body="نص\x1b",
    )
    data.update(management("interview", 1, 0))
    data.update(
        {
            "interview-0-interviewee_name": "Ammar\val-Maydani",
            "interview-0-interviewee_description": "a media\x1b activist",
        }
    )
    data.update(management("exchanges", 1, 0))
    data.update(
        {
            "exchanges-0-position": "1",
            "exchanges-0-question": "Why\vnow?",
            "exchanges-0-answer": "Because\x08 [then].\r\n\r\nAnd now.",
        }
    )
    response = editor_client.post(ADD, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get()
    assert article.headline == "Rebels agree to truce"
    assert article.dek == "One\ntwo three"
    assert "First\nline" in article.body
    assert "\x07" not in article.body
    assert list(article.tags.names()) == ["Damascus"]
    assert article.source_headline == "الثوار\u200f هدنة"
    assert article.source_body == "نص"
    assert article.interview.interviewee_name == "Ammar al-Maydani"
    assert article.interview.interviewee_description == "a media activist"
    exchange = article.exchanges.get()
    assert (exchange.question, exchange.answer) == ("Why\nnow?", "Because [then].\n\nAnd now.")


def test_a_headline_or_question_of_control_characters_alone_is_refused_as_empty(editor_client):
    data = story_form(headline="\x01\x02")
    data.update(management("exchanges", 1, 0))
    data.update(
        {"exchanges-0-position": "1", "exchanges-0-question": "\x1b", "exchanges-0-answer": "A."}
    )
    response = editor_client.post(ADD, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["headline"] == ["This field is required."]
    (exchanges,) = (
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "exchanges"
    )
    assert exchanges.errors[0]["question"] == ["This field is required."]
    assert not Article.objects.exists()


# Reordering


def test_swapping_two_byline_positions_saves_without_a_constraint_error(editor_client):
    article = ArticleFactory(byline_count=2)
    first, second = article.bylines.order_by("position")
    data = story_form(article, **byline_rows(article))
    data["bylines-0-position"], data["bylines-1-position"] = "1", "0"
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(article.bylines.order_by("position")) == [second, first]


def test_rotating_three_bylines_and_deleting_one_in_a_single_save(editor_client):
    article = ArticleFactory(byline_count=4)
    a, b, c, _d = article.bylines.order_by("position")
    data = story_form(article, **byline_rows(article))
    # a -> 2, b -> 0, c -> 1, d deleted
    data.update(
        {
            "bylines-0-position": "2",
            "bylines-1-position": "0",
            "bylines-2-position": "1",
            "bylines-3-DELETE": "on",
        }
    )
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302
    assert list(article.bylines.order_by("position")) == [b, c, a]


def test_exchanges_and_interviewee_show_on_an_interview_change_page(editor_client):
    article = InterviewArticleFactory(exchange_count=3)
    response = editor_client.get(change_url(article))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ammar al-Maydani" in html
    assert Exchange.objects.filter(article=article).count() == 3
    assert Interview.objects.filter(article=article).exists()


# No lost work: optimistic locking on the story's version


def test_the_second_of_two_saves_is_refused_naming_who_saved_and_keeping_the_input(client, editor):
    other = UserFactory(username="amira", first_name="Amira", last_name="Haddad", role="Editor")
    article = ArticleFactory(headline="Opened by both")
    first = story_form(article, headline="Amira's headline")
    second = story_form(article, headline="My headline", dek="My carefully written dek")
    client.force_login(other)
    assert client.post(change_url(article), first).status_code == 302
    client.force_login(editor)
    response = client.post(change_url(article), second)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Amira Haddad saved this story at" in html
    assert "My carefully written dek" in html  # what was typed is still in the form
    article.refresh_from_db()
    assert article.headline == "Amira's headline"  # the first save is intact


def test_a_save_raced_past_the_form_check_is_still_refused(editor_client, monkeypatch):
    article = ArticleFactory(headline="Raced")
    from articles import forms as article_forms

    # Simulate the other save landing after this form was checked but before it was saved.
    original_clean = article_forms.ArticleAdminForm.clean

    calls = []

    def clean_then_someone_saves(form):
        # First pass: the other save lands after the check. It is committed in real life, so
        # when the view runs again it is already there before the check.
        # The other save is another person's, through the door.
        calls.append(1)
        if len(calls) > 1:
            with door():
                Article.objects.filter(pk=article.pk).update(version=article.version + 1)
            form.instance.version = article.version + 1
        cleaned = original_clean(form)
        if len(calls) == 1:
            with door():
                Article.objects.filter(pk=article.pk).update(version=article.version + 1)
        return cleaned

    monkeypatch.setattr(article_forms.ArticleAdminForm, "clean", clean_then_someone_saves)
    response = editor_client.post(change_url(article), story_form(article, headline="Mine"))
    monkeypatch.undo()
    assert len(calls) == 2
    assert response.status_code == 200
    assert "saved this story" in response.content.decode()
    article.refresh_from_db()
    assert article.headline == "Raced"


def test_a_live_story_cannot_lose_its_publication_time(editor_client):
    article = ArticleFactory(published=True)
    data = story_form(article, published_at_0="", published_at_1="")
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    assert "needs its publication time" in response.content.decode()


def test_each_save_moves_the_version_on(editor_client):
    article = ArticleFactory()
    editor_client.post(change_url(article), story_form(article, headline="Once"))
    article.refresh_from_db()
    assert article.version == 2
    editor_client.post(change_url(article), story_form(article, headline="Twice"))
    article.refresh_from_db()
    assert (article.headline, article.version) == ("Twice", 3)


def test_a_reporter_saving_a_story_that_moved_on_gets_a_message(reporter_client, reporter):
    article = ArticleFactory(created_by=reporter, status=Article.Status.EDITING)
    response = reporter_client.post(change_url(article), story_form(article, headline="Late edit"))
    html = response.content.decode()
    assert response.status_code == 409
    assert "can no longer change it" in html
    assert "Late edit" in html  # what they typed is given back to them
    article.refresh_from_db()
    assert article.headline != "Late edit"


# Corrections


def test_editor_appends_a_dated_correction_to_a_published_story(editor_client, editor):
    article = ArticleFactory(published=True)
    data = story_form(article)
    data.update(management("corrections", 1, 0))
    data["corrections-0-text"] = "An earlier version misspelt Yalda."
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302
    correction = article.corrections.get()
    assert correction.text == "An earlier version misspelt Yalda."
    assert correction.created_by == editor
    assert correction.created_at is not None


def test_corrections_are_not_offered_on_drafts_nor_to_reporters(client, editor, reporter):
    draft = ArticleFactory(created_by=reporter)
    client.force_login(editor)
    html = client.get(change_url(draft)).content.decode()
    assert 'name="corrections-0-text"' not in html
    published = ArticleFactory(published=True, created_by=reporter)
    client.force_login(editor)
    assert 'name="corrections-0-text"' in client.get(change_url(published)).content.decode()
    client.force_login(reporter)
    assert 'name="corrections-0-text"' not in client.get(change_url(published)).content.decode()


# Tags


def test_a_tag_over_a_hundred_characters_is_refused_with_a_message_and_nothing_saved(
    editor_client,
):
    response = editor_client.post(ADD, story_form(tags=f"Raqqa, {'x' * 101}"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()["tags"]
    assert [error.code for error in errors] == ["tag_too_long"]
    assert "at most 100 characters" in response.content.decode()
    assert not Article.objects.exists()


def test_a_tag_of_exactly_a_hundred_characters_is_kept(editor_client):
    response = editor_client.post(ADD, story_form(tags=f"Raqqa, {'x' * 100}"))
    assert response.status_code == 302
    assert sorted(Article.objects.get().tags.names()) == ["Raqqa", "x" * 100]
