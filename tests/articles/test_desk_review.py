"""Review without false alarms, and times named by their zone: a translation never reviewed says
so rather than "changed"; the revision compare view sets the original right to left and sees no
change in line endings alone; publication times name the newsroom's time zone."""

from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import changes, revisions, translation, workflow
from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db
Status = Article.Status
ALARM = "changed after the translation was reviewed"


def translated_story(**kwargs) -> Article:
    defaults = {
        "headline": "Both sides hold the truce",
        "source_headline": "الطرفان يلتزمان بالهدنة",
        "body": "<p>First paragraph.</p><p>Second paragraph.</p>",
        "source_body": "الفقرة الأولى\n\nالفقرة الثانية",
        "original_language": "ar",
        "status": Status.TRANSLATION_REVIEW,
    }
    return ArticleFactory(**{**defaults, **kwargs})


def change_page(client, article) -> str:
    url = reverse("admin:articles_article_change", args=[article.pk])
    return client.get(url).content.decode()


def review_page(client, article) -> str:
    return client.get(
        reverse("admin:articles_article_translation", args=[article.pk])
    ).content.decode()


def test_a_translation_never_reviewed_says_not_reviewed_yet_and_raises_no_alarm(
    editor_client, translator_client
):
    article = translated_story()
    form = change_page(editor_client, article)
    assert "The translation has not been reviewed yet" in form
    assert ALARM not in form
    review = review_page(translator_client, article)
    assert "Not reviewed yet" in review
    assert "not reviewed yet" in review
    assert "changed in the original since" not in review


def test_a_translation_whose_original_changed_after_review_still_raises_the_alarm(
    editor, editor_client, translator
):
    article = translated_story()
    workflow.transition(article, "pass_translation", by=translator)
    changes.edit_story(
        article,
        changes.StoryChanges(fields={"source_headline": "الطرفان يخرقان الهدنة"}),
        by=editor,
    )
    form = change_page(editor_client, article)
    assert ALARM in form
    assert "(1 segment)" in form
    assert "not been reviewed yet" not in form


def test_publishing_a_never_reviewed_translation_is_refused_in_plain_words(editor):
    article = translated_story(status=Status.APPROVED)
    with pytest.raises(workflow.TransitionNotAllowed, match="has not been reviewed yet"):
        workflow.transition(article, "publish", by=editor)


def test_never_reviewed_is_false_once_the_translation_passed(translator):
    article = translated_story()
    assert translation.never_reviewed(article)
    workflow.transition(article, "pass_translation", by=translator)
    assert not translation.never_reviewed(article)


# The revision compare view


def test_the_compare_view_sets_the_original_right_to_left(editor, editor_client):
    article = translated_story(status=Status.EDITING)
    changes.edit_story(
        article,
        changes.StoryChanges(fields={"source_headline": "الطرفان يخرقان الهدنة"}),
        by=editor,
    )
    newer, older = revisions.revisions(article)[:2]
    html = editor_client.get(
        reverse("admin:articles_article_compare", args=[article.pk]),
        {"a": older.history_id, "b": newer.history_id},
    ).content.decode()
    row = html.split("Original headline</th>", 1)[1].split("</tr>", 1)[0]
    assert row.startswith('<td lang="ar" dir="rtl">')


def test_english_rows_of_the_compare_view_follow_their_own_direction(editor, editor_client):
    article = ArticleFactory(headline="The truce holds")
    changes.edit_story(
        article, changes.StoryChanges(fields={"headline": "The truce broke"}), by=editor
    )
    newer, older = revisions.revisions(article)[:2]
    html = editor_client.get(
        reverse("admin:articles_article_compare", args=[article.pk]),
        {"a": older.history_id, "b": newer.history_id},
    ).content.decode()
    assert 'Headline</th><td dir="auto">' in html


def test_texts_that_differ_only_in_line_endings_show_no_change():
    fields = dict.fromkeys(revisions.RESTORED_FIELDS, "")
    fields.update(
        section_id=None,
        lead_image_id=None,
        source_body="الفقرة الأولى\r\n\r\nالفقرة الثانية",
        dek="One line.\r\nAnother.",
    )
    older = revisions.Revision(
        history_id=1, number=1, at=timezone.now(), by=None, reason="", fields=fields
    )
    newer = replace(
        older,
        history_id=2,
        number=2,
        fields={
            **fields,
            "source_body": "الفقرة الأولى\n\nالفقرة الثانية",
            "dek": "One line.\nAnother.",
        },
    )
    assert revisions.compare(older, newer) == []
    changed = replace(newer, fields={**newer.fields, "dek": "One line.\nAnother one."})
    assert [d.label for d in revisions.compare(older, changed)] == ["Standfirst"]


# Times in the newsroom's zone, named


def test_the_publication_time_field_and_the_schedule_box_name_the_time_zone(
    settings, editor_client
):
    settings.TIME_ZONE = "Asia/Beirut"
    article = ArticleFactory(status=Status.APPROVED)
    html = change_page(editor_client, article)
    # "Save and schedule" takes the publication time from the form: its field names the zone.
    assert "Publication time (Asia/Beirut)" in html
    assert "Save and schedule" in html
    assert "UTC time" not in html


def test_a_scheduled_time_is_shown_in_the_newsrooms_time_with_its_name(settings, editor_client):
    settings.TIME_ZONE = "Asia/Beirut"
    at = timezone.now().replace(microsecond=0) + timezone.timedelta(days=1)
    article = ArticleFactory(status=Status.SCHEDULED, published_at=at)
    html = change_page(editor_client, article)
    local = timezone.localtime(at, timezone=__import__("zoneinfo").ZoneInfo("Asia/Beirut"))
    assert f"{local:%H:%M} Beirut time" in html


# Correcting a segment's English from the review page


def correct(client, article, segment, text, version=None):
    return client.post(
        reverse("admin:articles_article_correct_segment", args=[article.pk]),
        {
            "segment": segment,
            "text": text,
            "loaded_version": article.version if version is None else version,
        },
        follow=True,
    )


def test_the_translator_corrects_a_paragraphs_english_from_the_review_page(
    translator, translator_client
):
    article = translated_story()
    assert "Correct the English" in review_page(translator_client, article)
    response = correct(translator_client, article, "body:1", "Bread costs <twice> as much.")
    assert "corrected" in response.content.decode()
    article.refresh_from_db()
    assert article.body == "<p>First paragraph.</p><p>Bread costs &lt;twice&gt; as much.</p>"
    # Through the door: a revision by the translator, and an audit row.
    assert revisions.revisions(article)[0].by == translator
    assert article.audit_entries.filter(action="story.edit", by=translator).exists()


def test_the_translator_corrects_an_answer_and_the_headline(translator_client):
    from tests.factories import ExchangeFactory

    article = translated_story(kind=Article.Kind.INTERVIEW)
    ExchangeFactory(article=article, position=0, question="Who?", answer="The techers.")
    correct(translator_client, article, "exchange:0:answer", "The teachers.")
    article.refresh_from_db()
    correct(translator_client, article, "headline", "Both sides keep the truce")
    article.refresh_from_db()
    assert article.exchanges.get().answer == "The teachers."
    assert article.headline == "Both sides keep the truce"


def test_a_correction_from_a_page_loaded_before_anothers_save_is_refused_and_kept(
    editor, translator_client
):
    article = translated_story()
    loaded = article.version
    changes.edit_story(article, changes.StoryChanges(fields={"dek": "New dek."}), by=editor)
    response = correct(translator_client, article, "headline", "My better headline", loaded)
    html = response.content.decode()
    assert "Not saved" in html
    assert "My better headline" in html
    article.refresh_from_db()
    assert article.headline == "Both sides hold the truce"


@pytest.mark.parametrize("who", ["reporter_client", "translator_client"])
def test_nobody_corrects_a_story_they_may_not_change(request, who):
    article = translated_story(status=Status.APPROVED)  # out of translation review
    client = request.getfixturevalue(who)
    correct(client, article, "headline", "Taken over")
    article.refresh_from_db()
    assert article.headline == "Both sides hold the truce"


def test_a_reporter_cannot_correct_another_reporters_story_in_review(reporter_client):
    article = translated_story()
    response = correct(reporter_client, article, "headline", "Taken over")
    assert response.status_code in (403, 404) or "Not saved" in response.content.decode()
    article.refresh_from_db()
    assert article.headline == "Both sides hold the truce"


def test_corrections_are_posted_never_fetched(translator_client):
    article = translated_story()
    url = reverse("admin:articles_article_correct_segment", args=[article.pk])
    assert translator_client.get(url).status_code == 405


# Attaching the original to a story already in review


ORIGINAL = "المعلمون يزيلون الركام\nناشطون يشرحون\n\nالفقرة الأولى\n\nالفقرة الثانية\n"


def attach(client, article, **data):
    return client.post(
        reverse("admin:articles_article_attach_original", args=[article.pk]), data, follow=True
    )


def test_the_translator_attaches_the_original_pasted_to_a_story_in_review(
    translator, translator_client
):
    article = translated_story(source_headline="", source_body="")
    assert "Attach the original text" in review_page(translator_client, article)
    html = attach(translator_client, article, text=ORIGINAL).content.decode()
    assert "The original text is attached." in html
    article.refresh_from_db()
    assert article.source_headline == "المعلمون يزيلون الركام"
    assert article.source_dek == "ناشطون يشرحون"
    assert article.source_body == "الفقرة الأولى\n\nالفقرة الثانية"
    assert article.audit_entries.filter(action="story.edit", by=translator).exists()


def test_the_original_of_an_interview_comes_from_a_file_question_by_question(translator_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import ExchangeFactory

    article = translated_story(kind=Article.Kind.INTERVIEW, source_headline="")
    ExchangeFactory(article=article, position=0, question="Who?", answer="Teachers.")
    text = "عنوان\n\nمقدمة\n\nس: من؟\nج: المعلمون.\n"
    upload = SimpleUploadedFile("original.txt", text.encode("utf-8"), "text/plain")
    html = attach(translator_client, article, file=upload).content.decode()
    assert "The original text is attached." in html, html
    exchange = article.exchanges.get()
    assert exchange.question == "Who?"
    assert exchange.question_original
    assert exchange.answer_original


def test_a_malformed_original_is_refused_with_its_line_and_the_paste_is_kept(translator_client):
    article = translated_story(source_headline="")
    text = "عنوان\nسطر ثان\nسطر ثالث\n\nنص"
    html = attach(translator_client, article, text=text).content.decode()
    assert "The original was not attached" in html
    assert "line 3" in html
    assert "سطر ثالث" in html  # what was pasted is back in the box
    article.refresh_from_db()
    assert article.source_headline == ""


def test_nobody_attaches_an_original_to_a_story_they_may_not_change(
    reporter_client, translator_client
):
    approved = translated_story(status=Status.APPROVED, source_headline="")
    for client in (translator_client, reporter_client):
        attach(client, approved, text=ORIGINAL)
    approved.refresh_from_db()
    assert approved.source_headline == ""
