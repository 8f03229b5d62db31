"""The story importer: the sample, the newsroom format, re-import, dates and history; what it
refuses or cleans is in test_importer_refusals.py."""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import changes, revisions
from articles.importer import import_story_file, import_story_text, parse_date, parse_story
from articles.models import Article, Byline
from interviews.models import Exchange, Interview
from tests.factories import ArticleFactory

DEMO = Path(__file__).resolve().parents[2] / "articles" / "demo"
SAMPLE = DEMO / "rebels-is-truce-south-damascus.txt"
RAQQA = DEMO / "raqqa-school-reopens.txt"

NEWSROOM_FORMAT = """\
Headline: A clinic reopens in Idlib
Dek: Doctors returned after a year away.
Date: 2020-03-01
Section: Idlib
Tags: health, Idlib

The clinic opened on Sunday.

It serves three villages.
"""


@pytest.mark.django_db
class TestSampleStory:
    @pytest.fixture
    def article(self, editor):
        result = import_story_file(SAMPLE, by=editor)
        assert result.action == "created"
        return Article.objects.get(pk=result.article.pk)

    def test_it_is_an_interview_draft_with_headline_dek_and_date(self, article):
        assert article.kind == Article.Kind.INTERVIEW
        assert article.status == Article.Status.DRAFT
        assert article.headline == "Rebels, IS agree to truce in south Damascus"
        assert article.dek == "Rebel factions in the al-Qadam joint operations room agreed to"
        assert timezone.localdate(article.published_at).isoformat() == "2015-10-04"
        assert article.slug == "rebels-is-agree-to-truce-in-south-damascus"

    def test_the_intro_is_three_paragraphs_without_page_chrome(self, article):
        assert article.body.count("<p>") == 3
        assert article.body.startswith("<p>Rebel factions in the al-Qadam joint operations room")
        assert "min read" not in article.body
        assert "Share this article" not in article.body
        # Quotation marks and apostrophes arrive as typed; the HTML escapes only what it must.
        assert "IS’s blockade" in article.body

    def test_four_exchanges_two_of_them_two_paragraphs_long(self, article):
        exchanges = list(article.exchanges.order_by("position"))
        assert [e.position for e in exchanges] == [1, 2, 3, 4]
        assert exchanges[0].question == (
            "Why has the conciliation agreement been reached at this time in particular?"
        )
        assert [len(e.answer_paragraphs) for e in exchanges] == [1, 2, 2, 1]
        assert exchanges[3].answer.endswith("even those who have remained neutral.")
        assert all("Share this article" not in e.answer for e in exchanges)

    def test_the_bracketed_insertion_is_kept_as_an_insertion(self, article):
        third = article.exchanges.get(position=3)
        assert third.answer_paragraphs[1].startswith("[Since reaching the agreement,] both sides")
        assert "[south Damascus]" in article.exchanges.get(position=1).answer

    def test_reading_time_is_computed(self, article):
        article = Article.objects.for_page().get(pk=article.pk)
        assert article.reading_minutes == 2


@pytest.mark.django_db
def test_newsroom_format_with_arabic_original_imports_every_field(editor):
    result = import_story_file(RAQQA, by=editor)
    article = Article.objects.get(pk=result.article.pk)
    assert article.headline == "Teachers reopen a school in Raqqa's old city"
    assert article.kind == Article.Kind.INTERVIEW
    assert article.section.name == "Raqqa"
    assert sorted(article.tags.names()) == ["Raqqa", "education", "reconstruction"]
    credits = [(b.contributor.name, b.role) for b in article.bylines.order_by("position")]
    assert credits == [
        ("Hadi Suleiman", Byline.Role.INTERVIEWER),
        ("Rima Darwish", Byline.Role.TRANSLATOR),
    ]
    assert article.interview.interviewee_name == "Nour al-Ahmad"
    assert article.interview.interviewee_description == "a teacher at the reopened school"
    assert article.original_language == "ar"
    assert article.source_headline == "معلمون يعيدون فتح مدرسة في مدينة الرقة القديمة"
    assert article.source_dek.startswith("معلمة تصف")
    assert article.source_body.startswith("فتحت المدرسة الابتدائية")
    first, second = article.exchanges.order_by("position")
    assert first.answer.startswith("Parents and teachers.")  # the "A:" marker is dropped
    assert "[removing]" in first.answer
    assert first.question_original == "من أزال الأنقاض من المبنى؟"
    assert first.answer_original.startswith("الأهالي والمعلمون")  # "ج:" dropped
    assert second.answer_original_paragraphs == [
        "أكثر من مئتي طفل، ويصل المزيد كل أسبوع.",
        "بعضهم يمشي ساعة في كل اتجاه.",
    ]


@pytest.mark.django_db
def test_a_story_without_exchanges_is_news_and_header_keys_are_case_insensitive(editor):
    text = NEWSROOM_FORMAT.replace("Headline:", "HEADLINE:").replace("Tags:", "tags:")
    article = import_story_text(text, by=editor).article
    assert article.kind == Article.Kind.NEWS
    assert article.body == "<p>The clinic opened on Sunday.</p>\n<p>It serves three villages.</p>"
    assert not article.exchanges.exists()


@pytest.mark.django_db
def test_importing_twice_updates_the_draft_in_place(editor):
    first = import_story_file(SAMPLE, by=editor)
    second = import_story_file(SAMPLE, by=editor)
    assert second.action == "updated"
    assert second.article.pk == first.article.pk
    assert Article.objects.count() == 1
    assert Exchange.objects.count() == 4


@pytest.mark.django_db
def test_reimport_keeps_credits_added_in_the_admin_when_the_file_names_none(editor):
    article = import_story_file(SAMPLE, by=editor).article
    Interview.objects.create(article=article, interviewee_name="Ammar al-Maydani")
    import_story_file(SAMPLE, by=editor)
    assert Interview.objects.get(article=article).interviewee_name == "Ammar al-Maydani"


@pytest.mark.django_db
def test_a_story_past_draft_is_left_alone_and_reported(editor):
    ArticleFactory(
        slug="rebels-is-agree-to-truce-in-south-damascus", headline="Edited", published=True
    )
    result = import_story_file(SAMPLE, by=editor)
    assert result.action == "skipped"
    assert "Published" in result.message
    assert Article.objects.get().headline == "Edited"
    assert not Exchange.objects.exists()


@pytest.mark.django_db
def test_an_arabic_only_headline_gets_a_readable_ascii_slug(editor):
    article = import_story_text("Headline: معلمون يعيدون فتح مدرسة\n\nنص.\n", by=editor).article
    assert article.slug
    assert article.slug.isascii()
    assert article.slug.startswith("m")  # transliterated, not the "story" fallback


@pytest.mark.django_db
def test_an_explicit_slug_identifies_the_story(editor):
    text = "Headline: One\nSlug: my-own-slug\n\nText.\n"
    assert import_story_text(text, by=editor).article.slug == "my-own-slug"
    assert import_story_text(text.replace("One", "Two"), by=editor).action == "updated"
    assert Article.objects.get().headline == "Two"


def test_five_hundred_exchanges_are_allowed():
    story = parse_story("Headline: X\n\n" + "".join(f"Q: {n}?\n\n{n}.\n\n" for n in range(500)))
    assert len(story.exchanges) == 500


def test_hostile_html_in_copy_is_escaped_not_kept(editor):
    text = 'Headline: <img src=x onerror=alert(1)>\n\n<script>alert("x")</script> Hello.\n'
    article = import_story_text(text, by=editor).article
    assert "<script>" not in article.body
    assert "&lt;script&gt;" in article.body
    assert article.headline == "<img src=x onerror=alert(1)>"  # plain text, escaped on output


def test_a_question_and_its_answer_on_consecutive_lines_are_split():
    story = parse_story("Headline: X\n\nQ: Who came?\nA: Everyone.\n")
    assert story.exchanges[0].question == "Who came?"
    assert story.exchanges[0].answer == ["Everyone."]


def test_a_cut_dek_loses_its_marker_and_a_long_paragraph_its_soft_breaks():
    story = parse_story(
        "Headline\n\nThe dek was cut [...]\n\nOctober 4, 2015\n\nOne line\nand its wrap.\n"
    )
    assert story.dek == "The dek was cut"
    assert story.intro == ["One line and its wrap."]


def test_a_headline_with_a_colon_is_not_mistaken_for_a_header():
    story = parse_story("Syria: a truce holds\n\n2015-10-04\n\nText.\n")
    assert story.headline == "Syria: a truce holds"


@pytest.mark.parametrize(
    "text",
    ["4 October 2015", "October 4, 2015", "2015-10-04", "Oct 4, 2015", "Sunday, 4th October 2015"],
)
def test_publication_dates_in_every_documented_form(text):
    assert parse_date(text).date().isoformat() == "2015-10-04"


def test_an_iso_date_time_keeps_its_zone():
    moment = parse_date("2019-09-22T10:30:00+03:00")
    assert moment.utcoffset().total_seconds() == 3 * 3600
    assert parse_date("2019-02-30") is None


# History: an imported story's revisions hold everything the import wrote


def interview_state(article) -> dict:
    return {
        "exchanges": list(
            article.exchanges.order_by("position").values_list(
                "position", "question", "answer", "question_original", "answer_original"
            )
        ),
        "credits": list(
            article.bylines.order_by("position").values_list("contributor_id", "role", "position")
        ),
        "interviewee": list(
            Interview.objects.filter(article=article).values_list(
                "interviewee_name", "interviewee_description"
            )
        ),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", [SAMPLE, RAQQA], ids=["web page", "newsroom format"])
def test_restoring_the_latest_revision_of_an_imported_interview_keeps_every_exchange(path, editor):
    article = import_story_file(path, by=editor).article
    before = interview_state(article)
    assert len(before["exchanges"]) in (2, 4)
    latest = revisions.revisions(article)[0]
    assert len(latest.exchanges) == len(before["exchanges"])
    assert latest.by == editor

    changes.restore_revision(article, latest, by=editor)

    assert interview_state(article) == before
    assert all(question and answer for _, question, answer, _, _ in before["exchanges"])


@pytest.mark.django_db
def test_each_import_of_a_story_is_a_revision_with_the_exchanges_it_wrote(editor):
    article = import_story_text(RAQQA.read_text(), by=editor).article
    import_story_text(
        RAQQA.read_text().replace("Who cleared the building", "Who rebuilt the building"), by=editor
    )
    newest, first = revisions.revisions(article)
    assert newest.exchanges[0]["question"].startswith("Who rebuilt the building")
    assert first.exchanges[0]["question"].startswith("Who cleared the building")

    changes.restore_revision(article, first, by=editor)

    assert article.exchanges.order_by("position")[0].question.startswith("Who cleared")
    assert article.exchanges.count() == 2


def interview_text(exchanges: int) -> str:
    qa = "".join(f"Q: Question {n}?\n\nAnswer {n}.\n\n" for n in range(exchanges))
    return f"Headline: Many questions\n\nIntro.\n\n{qa}"


@pytest.mark.django_db
def test_the_import_query_count_does_not_grow_with_the_exchanges(editor):
    editor.has_perm("articles.add_article")  # the editor's permissions, read once and kept
    with CaptureQueriesContext(connection) as few:
        import_story_text(interview_text(2), by=editor)
    with CaptureQueriesContext(connection) as many:
        import_story_text(interview_text(20).replace("Many questions", "More questions"), by=editor)
    assert len(many) == len(few)
