"""Typed insertions ([Editor's note: ...], [Translator's note: ...] or [TN: ...], [sic]) told
apart from an editorial [insertion] on the public page and in translation review; and the
italics and links an answer may hold, cleaned like the body."""

import pytest

from articles import changes, translation
from interviews.markup import (
    EDITORIAL,
    EDITORS_NOTE,
    SIC,
    TRANSLATORS_NOTE,
    answer_html,
    clean_answer,
    insertion_kind,
)
from interviews.models import Exchange
from tests.articles.test_translation import translated_story
from tests.factories import ExchangeFactory, InterviewArticleFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("insertion", "kind"),
    [
        ("[both sides]", EDITORIAL),
        ("[Editor's note: the agreement was signed in 2015.]", EDITORS_NOTE),
        ("[Editor’s note: curly apostrophe]", EDITORS_NOTE),
        ("[editors' note: lower case]", EDITORS_NOTE),
        ("[Translator's note: a pun in Arabic]", TRANSLATORS_NOTE),
        ("[TN: literally “the hungry ones”]", TRANSLATORS_NOTE),
        ("[sic]", SIC),
        ("[Sic!]", SIC),
        ("[sickness]", EDITORIAL),
        ("[Note: not a notation we use]", EDITORIAL),
    ],
)
def test_each_notation_is_its_own_kind(insertion, kind):
    assert insertion_kind(insertion) is kind


def test_the_interview_page_names_each_kind_of_insertion(client):
    article = InterviewArticleFactory(published=True)
    ExchangeFactory(
        article=article,
        answer=(
            "[Both sides] kept the truce. He said they was [sic] tired. "
            "[Editor's note: the truce broke in May.] They are the jiya' [TN: the hungry ones]."
        ),
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<ins class="insertion" title="Editorial insertion">[Both sides]</ins>' in html
    assert (
        '<span class="insertion insertion--sic" role="note" aria-label="Sic: so in the original" '
        'title="Sic: so in the original">[sic]</span>'
    ) in html
    assert (
        '<span class="insertion insertion--editors-note" role="note" '
        'aria-label="Editor&#x27;s note" title="Editor&#x27;s note">'
        "[Editor&#x27;s note: the truce broke in May.]</span>"
    ) in html
    assert 'aria-label="Translator&#x27;s note"' in html
    assert ">[TN: the hungry ones]</span>" in html


def test_a_note_cannot_smuggle_markup(client):
    article = InterviewArticleFactory(published=True)
    ExchangeFactory(
        article=article,
        question="[Editor's note: \"><script>alert(1)</script>] Why?",
        answer="[TN: <img src=x onerror=alert(1)>] Yes.",
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert "onerror" not in html
    assert "&quot;&gt;&lt;script&gt;" in html


def test_translation_review_labels_notes_and_flags_only_unsourced_editorial_insertions():
    article = translated_story()
    ExchangeFactory(
        article=article,
        position=0,
        question="Q?",
        question_original="س؟",
        answer="[Since the agreement,] both sides [sic] hold. [TN: a proverb] [Editor's note: x]",
        answer_original="الطرفان ملتزمان.",
    )
    row = next(r for r in translation.review(article) if r.segment.label == "Answer 1")
    marked = str(row.translation_marked)
    assert '<mark class="not-in-source" title="not in source">[Since the agreement,]</mark>' in (
        marked
    )
    assert (
        '<mark class="typed-insertion typed-insertion--translators-note">'
        '<span class="typed-insertion__label">Translator&#x27;s note</span> [TN: a proverb]</mark>'
    ) in marked
    assert '<span class="typed-insertion__label">Sic</span> [sic]</mark>' in marked
    assert "typed-insertion--editors-note" in marked
    # Notes are the newsroom's by name: they are not counted as unsourced insertions.
    assert translation.unsourced_insertions("[TN: x] [sic] [Editor's note: y]", "الطرفان") == []


# Answers: italics and links -------------------------------------------------------------------


def test_an_answer_keeps_italics_and_links_and_loses_everything_else_on_the_way_in(editor):
    article = InterviewArticleFactory()
    row = changes.ExchangeRow(
        question="Which book?",
        answer=(
            'The <em>Book of Sand</em>, see <a href="https://example.org/b" onclick="x()">here</a>'
            "<script>alert(1)</script><img src=x onerror=alert(1)> & more.\n\n"
            '<a href="javascript:alert(1)">bad</a> [sic]'
        ),
        question_original="",
        answer_original="",
        pk=None,
        position=None,
    )
    changes.edit_story(article, changes.StoryChanges(exchanges=[row]), by=editor)
    stored = Exchange.objects.get(article=article).answer
    assert "<script" not in stored
    assert "onerror" not in stored
    assert "onclick" not in stored
    assert "javascript:" not in stored
    assert "<em>Book of Sand</em>" in stored
    assert 'href="https://example.org/b"' in stored
    assert "\n\n" in stored  # paragraphs kept


def test_a_plain_answer_is_stored_exactly_as_typed():
    assert clean_answer("Bread & water < 3 days.") == "Bread & water < 3 days."


def test_an_answer_on_the_page_keeps_italics_and_links_and_marks_insertions_outside_tags():
    html = str(
        answer_html(
            'Read <i>al-Hayat</i> [the daily] at <a href="https://example.org/[x]">[this site]</a>'
            "<b onmouseover=alert(1)>!</b>"
        )
    )
    assert "<i>al-Hayat</i>" in html
    assert 'href="https://example.org/[x]"' in html  # the address is not marked up
    assert '<ins class="insertion" title="Editorial insertion">[this site]</ins></a>' in html
    assert "<b" not in html
    assert "onmouseover" not in html


def test_a_reporter_cannot_change_another_reporters_answers_through_the_door(reporter):
    article = InterviewArticleFactory()
    theirs = ExchangeFactory(article=article, answer="Theirs.")
    row = changes.ExchangeRow(
        question=theirs.question,
        answer="<em>Mine now</em>",
        question_original="",
        answer_original="",
        pk=theirs.pk,
        position=theirs.position,
    )
    with pytest.raises(changes.ChangeRefused):
        changes.edit_story(article, changes.StoryChanges(exchanges=[row]), by=reporter)
    theirs.refresh_from_db()
    assert theirs.answer == "Theirs."


@pytest.mark.django_db
def test_answers_italics_and_links_are_words_in_compare_and_review_never_raw_tags(editor):
    from articles import revisions, segment_edits

    article = InterviewArticleFactory(original_language="ar")
    answer_html = 'It was <em>very</em> cold, <a href="https://a.example/">here</a>.'
    article, _ = changes.edit_story(
        article,
        changes.StoryChanges(exchanges=[changes.ExchangeRow(question="How?", answer=answer_html)]),
        by=editor,
    )
    (answer,) = [s for s in translation.segments(article) if s.key.endswith(":answer")]
    assert answer.translation == "It was very cold, here."
    every = revisions.revisions(article)  # newest first: with the answer, and before it
    differences = revisions.compare(every[-1], every[0])
    assert "Answer 1" in {d.label for d in differences}
    shown = " ".join(str(d.diff) for d in differences)
    assert "very" in shown
    assert "&lt;em&gt;" not in shown
    # Correcting it from the review page would drop the italics: the story form is the place.
    with pytest.raises(segment_edits.CannotCorrectHere, match="italics or links"):
        segment_edits.correction(article, "exchange:0:answer", "It was cold.")
