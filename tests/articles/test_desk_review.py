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
    assert "Not reviewed yet" in review and "not reviewed yet" in review
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
    assert ALARM in form and "(1 segment)" in form
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
    fields = {name: "" for name in revisions.RESTORED_FIELDS}
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
    assert "Publication time (Asia/Beirut)" in html
    assert "Publish at (Asia/Beirut)" in html
    assert "UTC time" not in html


def test_a_scheduled_time_is_shown_in_the_newsrooms_time_with_its_name(settings, editor_client):
    settings.TIME_ZONE = "Asia/Beirut"
    at = timezone.now().replace(microsecond=0) + timezone.timedelta(days=1)
    article = ArticleFactory(status=Status.SCHEDULED, published_at=at)
    html = change_page(editor_client, article)
    local = timezone.localtime(at, timezone=__import__("zoneinfo").ZoneInfo("Asia/Beirut"))
    assert f"{local:%H:%M} Beirut time" in html
