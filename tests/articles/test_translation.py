"""Translation review: segments, flags, fingerprints, stale marking and the word-level diff."""

import pytest
from django.urls import reverse

from articles import changes, diffs, revisions, translation
from articles.models import Article
from interviews.models import Exchange
from tests.factories import ArticleFactory, ExchangeFactory

pytestmark = pytest.mark.django_db


def translated_story(**kwargs) -> Article:
    defaults = {
        "headline": "Both sides hold the truce",
        "source_headline": "الطرفان يلتزمان بالهدنة",
        "dek": "An activist explains.",
        "source_dek": "ناشط يشرح.",
        "body": "<p>First paragraph.</p><p>Second paragraph.</p>",
        "source_body": "الفقرة الأولى\n\nالفقرة الثانية",
        "original_language": "ar",
        "kind": Article.Kind.INTERVIEW,
    }
    return ArticleFactory(**{**defaults, **kwargs})


def test_segments_pair_headline_dek_paragraphs_and_each_question_and_answer():
    article = translated_story()
    exchange = ExchangeFactory(
        article=article,
        position=0,
        question="Why?",
        answer="Because.",
        question_original="لماذا؟",
        answer_original="لأن.",
    )
    keys = [s.key for s in translation.segments(article)]
    # Exchanges by their place in the interview, not by database id, which a restore renews.
    assert keys == [
        "headline",
        "dek",
        "body:0",
        "body:1",
        "exchange:0:question",
        "exchange:0:answer",
    ]
    assert translation.segments(article)[4].source == exchange.question_original
    assert translation.segments(article)[2].source == "الفقرة الأولى"
    assert translation.segments(article)[2].translation == "First paragraph."


def test_a_paragraph_without_counterpart_is_flagged():
    article = translated_story(body="<p>One.</p><p>Two.</p><p>Three.</p>")
    flags = {row.segment.key: row.flags for row in translation.review(article)}
    assert flags["body:2"] == ["no source text"]


def test_bracketed_insertions_the_source_lacks_are_flagged_not_in_source():
    article = translated_story()
    ExchangeFactory(
        article=article,
        position=0,
        question="Q?",
        question_original="س؟",
        answer="[Since the agreement,] both sides <hold>.",
        answer_original="الطرفان ملتزمان.",
    )
    row = next(r for r in translation.review(article) if r.segment.label == "Answer 1")
    assert "not in source" in row.flags
    marked = str(row.translation_marked)
    mark = '<mark class="not-in-source" title="not in source">[Since the agreement,]</mark>'
    assert mark in marked
    assert "&lt;hold&gt;" in marked  # the rest of the text is escaped


def test_changing_the_source_marks_exactly_the_changed_segments_stale():
    article = translated_story()
    translation.record_review(article, by=None)
    assert translation.stale_segments(article) == []
    article.source_body = "الفقرة الأولى\n\nالفقرة الثانية معدلة"
    article.source_dek = "ناشط   يشرح."  # spacing only: not a change
    article.save()
    stale = translation.stale_segments(article)
    assert [row.segment.key for row in stale] == ["body:1"]
    assert str(stale[0].source_diff) == "الفقرة الثانية <ins>معدلة</ins>"


def test_word_diff_marks_removed_and_added_words_and_escapes_them():
    diff = str(diffs.word_diff("the <b>old</b> truce held", "the new truce held"))
    assert diff == "the <del>&lt;b&gt;old&lt;/b&gt;</del> <ins>new</ins> truce held"


def test_source_never_reviewed_counts_as_stale_for_a_translated_story():
    article = translated_story()
    assert {row.segment.key for row in translation.stale_segments(article)} == {
        "headline",
        "dek",
        "body:0",
        "body:1",
    }


def test_a_story_without_original_language_has_nothing_stale():
    assert translation.stale_segments(ArticleFactory()) == []


# The review page


def review_url(article) -> str:
    return reverse("admin:articles_article_translation", args=[article.pk])


def test_review_page_shows_source_right_to_left_beside_the_translation(translator_client):
    article = translated_story(status=Article.Status.TRANSLATION_REVIEW)
    html = translator_client.get(review_url(article)).content.decode()
    assert 'lang="ar" dir="rtl"' in html
    assert "الفقرة الأولى" in html
    assert "First paragraph." in html
    assert "Pass translation" in html


def test_review_page_marks_stale_segments_with_a_diff_and_lets_the_reviewer_confirm(
    translator_client, translator, editor
):
    article = translated_story(status=Article.Status.APPROVED)
    translation.record_review(article, by=editor)
    article.source_headline = "الطرفان يخرقان الهدنة"
    article.save()
    html = translator_client.get(review_url(article)).content.decode()
    assert "changed since review" in html
    assert "<del>يلتزمان بالهدنة</del>" in html
    response = translator_client.post(review_url(article), follow=True)
    assert "reviewed again by you" in response.content.decode()
    assert translation.stale_segments(article) == []
    assert article.reviewed_segments.get(key="headline").reviewed_by == translator


def test_a_reporter_cannot_confirm_a_translation(client, reporter, editor):
    article = translated_story(status=Article.Status.APPROVED, created_by=reporter)
    client.force_login(reporter)
    response = client.post(review_url(article), follow=True)
    assert "cannot confirm" in response.content.decode()
    assert translation.stale_segments(article)


def test_review_page_escapes_what_translators_type(translator_client):
    article = translated_story(
        status=Article.Status.TRANSLATION_REVIEW, source_headline="<img src=x onerror=alert(1)>"
    )
    html = translator_client.get(review_url(article)).content.decode()
    assert "<img src=x onerror" not in html


def test_a_scheduled_story_whose_source_changes_waits_for_a_new_review(editor, editor_client):
    """Publication is blocked while a segment is stale; going live on schedule is publication."""
    from django.utils import timezone

    from tests.articles.admin.forms import change_url, story_form

    article = translated_story(
        status=Article.Status.SCHEDULED, published_at=timezone.now() - timezone.timedelta(minutes=1)
    )
    translation.record_review(article, by=editor)
    assert Article.objects.published().filter(pk=article.pk).exists()

    data = story_form(
        article,
        source_headline=article.source_headline,
        source_dek="ناشط يشرح الاتفاق.",  # the source changed after review
        source_body=article.source_body,
    )
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.translation_is_stale
    assert not Article.objects.published().filter(pk=article.pk).exists()
    assert editor_client.get(article.get_absolute_url()).status_code == 404

    translation.record_review(article, by=editor)
    assert Article.objects.published().filter(pk=article.pk).exists()


# Which segments go stale: those whose source changed, and no others


def translated_interview(paragraphs: int = 3, exchanges: int = 3, **kwargs) -> Article:
    article = translated_story(
        body="".join(f"<p>Paragraph {n}.</p>" for n in range(paragraphs)),
        source_body="\n\n".join(f"الفقرة {n}" for n in range(paragraphs)),
        **kwargs,
    )
    for n in range(exchanges):
        ExchangeFactory(
            article=article,
            position=n,
            question=f"Question {n}?",
            question_original=f"سؤال {n}؟",
            answer=f"Answer {n}.",
            answer_original=f"جواب {n}.",
        )
    return article


def stale(article) -> list[tuple[str, str | None]]:
    """Each stale segment's label, with the source it was reviewed against (None: never)."""
    return [
        (row.segment.label, row.reviewed.source_text if row.reviewed else None)
        for row in translation.stale_segments(article)
    ]


def test_restoring_identical_content_leaves_no_segment_stale(editor):
    article = translated_interview()
    translation.record_review(article, by=editor)
    changes.restore_revision(article, revisions.revisions(article)[0], by=editor)
    article.refresh_from_db()
    assert article.exchanges.count() == 3
    assert stale(article) == []
    assert not article.translation_is_stale


def test_a_paragraph_inserted_at_the_top_is_the_only_stale_one(editor):
    article = translated_interview()
    translation.record_review(article, by=editor)
    article.source_body = "فقرة جديدة\n\n" + article.source_body
    article.save()
    assert stale(article) == [("Paragraph 1", None)]
    assert translation.stale_segments(article)[0].segment.source == "فقرة جديدة"


def test_a_deleted_paragraph_is_reported_once_as_removed(editor):
    article = translated_interview()
    translation.record_review(article, by=editor)
    article.source_body = "الفقرة 0\n\nالفقرة 2"
    article.save()
    rows = translation.stale_segments(article)
    assert [(row.segment.label, row.flags) for row in rows] == [
        ("Paragraph removed from the original", ["removed from the original"])
    ]
    assert str(rows[0].source_diff) == "<del>الفقرة 1</del>"


def test_an_exchange_inserted_first_is_the_only_stale_one(editor):
    article = translated_interview()
    translation.record_review(article, by=editor)
    for exchange in article.exchanges.order_by("-position"):  # make room at the top
        exchange.position += 1
        exchange.save()
    ExchangeFactory(
        article=article,
        position=0,
        question="New?",
        question_original="جديد؟",
        answer_original="نعم.",
    )
    assert stale(article) == [("Question 1", None), ("Answer 1", None)]


def test_a_deleted_exchange_is_reported_once_as_removed(editor):
    article = translated_interview()
    translation.record_review(article, by=editor)
    article.exchanges.get(position=0).delete()
    assert stale(article) == [
        ("Question removed from the original", "سؤال 0؟"),
        ("Answer removed from the original", "جواب 0."),
    ]


def test_editing_one_answer_marks_exactly_that_answer_stale_with_its_diff(editor):
    article = translated_interview()
    translation.record_review(article, by=editor)
    Exchange.objects.filter(article=article, position=1).update(answer_original="جواب 1 معدل.")
    rows = translation.stale_segments(article)
    assert [row.segment.key for row in rows] == ["exchange:1:answer"]
    assert str(rows[0].source_diff) == "جواب <del>1.</del> <ins>1 معدل.</ins>"


def test_editing_one_paragraph_after_an_inserted_one_marks_just_those_two(editor):
    article = translated_interview()
    translation.record_review(article, by=editor)
    article.source_body = "فقرة جديدة\n\nالفقرة 0\n\nالفقرة 1 معدلة\n\nالفقرة 2"
    article.save()
    rows = translation.stale_segments(article)
    assert [row.segment.label for row in rows] == ["Paragraph 1", "Paragraph 3"]
    assert str(rows[1].source_diff) == "الفقرة 1 <ins>معدلة</ins>"


def test_confirming_the_changed_segments_keeps_the_others_reviewed_as_they_were(editor, translator):
    article = translated_interview()
    translation.record_review(article, by=editor)
    article.source_body = "فقرة جديدة\n\n" + article.source_body
    article.save()
    article.exchanges.get(position=2).delete()
    keys = {row.segment.key for row in translation.stale_segments(article)}
    assert len(keys) == 3  # the new paragraph, the removed question and answer

    translation.record_review(article, by=translator, keys=keys)

    assert stale(article) == []
    assert not article.translation_is_stale
    reviewers = {row.segment.key: row.reviewed.reviewed_by for row in translation.review(article)}
    assert reviewers["body:0"] == translator
    assert reviewers["body:1"] == reviewers["exchange:0:question"] == editor


def test_the_review_page_shows_a_removed_paragraph_and_confirming_clears_it(translator_client):
    article = translated_interview(status=Article.Status.APPROVED)
    translation.record_review(article, by=None)
    article.source_body = "الفقرة 0\n\nالفقرة 2"
    article.save()
    html = translator_client.get(review_url(article)).content.decode()
    assert "Paragraph removed from the original" in html
    assert "<del>الفقرة 1</del>" in html
    response = translator_client.post(review_url(article), follow=True)
    assert "1 changed segment(s) reviewed again by you" in response.content.decode()
    assert translation.stale_segments(article) == []
