"""The story admin: changelist, add form and inlines, reordering, search, filters, paste copy."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.changes import door
from articles.models import Article, Byline, Image, Section
from articles.roles import TRANSLATOR
from interviews.models import Exchange, Interview
from tests.conftest import password_only_login
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    ContributorFactory,
    ImageFactory,
    InterviewArticleFactory,
    SectionFactory,
    UserFactory,
    png_bytes,
)
from tests.helpers import queries_to_render, stored_files

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")
ADD = reverse("admin:articles_article_add")
PASTE = reverse("admin:articles_article_paste")
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


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def management(prefix: str, total: int, initial: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def story_form(article=None, **overrides) -> dict[str, str]:
    """The POST body of the story form with no inline rows, as the browser would send it."""
    data = {
        "headline": article.headline if article else "Schools reopen in Daraa",
        "slug": article.slug if article else "",
        "dek": article.dek if article else "Children return after three years.",
        "body": article.body if article else "<p>The first paragraph.</p>",
        "kind": article.kind if article else Article.Kind.NEWS,
        "section": "",
        "tags": "",
        "lead_image": "",
        "original_language": article.original_language if article else "",
        "source_headline": "",
        "source_dek": "",
        "source_body": "",
        "published_at_0": "",
        "published_at_1": "",
        **management("bylines", 0, 0),
        **management("interview", 0, 0),
        **management("exchanges", 0, 0),
        **management("corrections", 0, 0),
    }
    if article is not None:
        data["loaded_version"] = str(article.version)
        if article.published_at:
            local = timezone.localtime(article.published_at)
            data["published_at_0"] = local.strftime("%Y-%m-%d")
            data["published_at_1"] = local.strftime("%H:%M:%S")
    data.update(overrides)
    return data


def byline_rows(article) -> dict[str, str]:
    rows = list(article.bylines.order_by("position"))
    data = management("bylines", len(rows), len(rows))
    for i, byline in enumerate(rows):
        data.update(
            {
                f"bylines-{i}-id": str(byline.pk),
                f"bylines-{i}-article": str(article.pk),
                f"bylines-{i}-position": str(byline.position),
                f"bylines-{i}-contributor": str(byline.contributor_id),
                f"bylines-{i}-role": byline.role,
            }
        )
    return data


# The changelist


def test_changelist_query_count_does_not_grow_with_stories_bylines_or_tags(editor_client):
    ArticleFactory.create_batch(2, byline_count=1, tags=["daraa"], section=SectionFactory())
    baseline = queries_to_render(editor_client, CHANGELIST)
    ArticleFactory.create_batch(
        20,
        byline_count=6,
        tags=["daraa", "schools", "war", "education"],
        section=SectionFactory(),
    )
    assert queries_to_render(editor_client, CHANGELIST) == baseline


def test_changelist_shows_each_storys_credits_and_tags(editor_client):
    article = ArticleFactory(tags=["daraa", "schools"])
    BylineFactory(
        article=article,
        contributor=ContributorFactory(name="Moutasem Jamal"),
        role=Byline.Role.INTERVIEWER,
        position=0,
    )
    html = editor_client.get(CHANGELIST).content.decode()
    assert "Moutasem Jamal (interviewer)" in html
    assert "daraa, schools" in html


def test_changelist_escapes_a_contributor_name_with_markup(editor_client):
    BylineFactory(contributor=ContributorFactory(name="<script>alert(1)</script>"))
    html = editor_client.get(CHANGELIST).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_changelist_links_to_paste_copy(editor_client):
    assert PASTE in editor_client.get(CHANGELIST).content.decode()


def test_search_finds_stories_by_headline_dek_body_and_contributor(editor_client):
    by_headline = ArticleFactory(headline="Bakeries of Yarmouk")
    by_dek = ArticleFactory(dek="Flour arrives in Yalda")
    by_body = ArticleFactory(body="<p>The truce in Babbila held.</p>")
    by_credit = ArticleFactory()
    BylineFactory(article=by_credit, contributor=ContributorFactory(name="Ammar al-Maydani"))
    ArticleFactory(headline="Unrelated")

    def found(q):
        response = editor_client.get(CHANGELIST, {"q": q})
        return set(response.context["cl"].result_list)

    assert found("Yarmouk") == {by_headline}
    assert found("Yalda") == {by_dek}
    assert found("Babbila") == {by_body}
    assert found("Maydani") == {by_credit}


def test_filters_narrow_stories_by_kind_section_status_tag_and_contributor(editor_client):
    section = SectionFactory(name="Syria")
    interview = InterviewArticleFactory(section=section, tags=["truce"])
    contributor = ContributorFactory()
    BylineFactory(article=interview, contributor=contributor)
    published = ArticleFactory(published=True, byline_count=0)

    def found(params):
        response = editor_client.get(CHANGELIST, params)
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    assert found({"kind__exact": "interview"}) == {interview}
    assert found({"section__id__exact": section.pk}) == {interview}
    assert found({"status__exact": "published"}) == {published}
    assert found({"tag": "truce"}) == {interview}
    assert found({"tag": "TRUCE"}) == {interview}
    assert found({"tag": "truc"}) == set()
    assert found({"contributor": contributor.pk}) == {interview}
    assert found({"contributor": contributor.name[2:-2].upper()}) == {interview}
    assert found({"contributor": "nobody by that name"}) == set()
    assert found({"kind__exact": "interview", "tag": "truce"}) == {interview}


def test_typed_filters_keep_the_other_filters_and_the_search(editor_client):
    ArticleFactory(tags=["truce"])
    response = editor_client.get(CHANGELIST, {"kind__exact": "news", "q": "<x>", "tag": "truce"})
    html = response.content.decode()
    # Each typed filter's form carries the other parameters, escaped, and drops its own.
    assert '<input type="hidden" name="kind__exact" value="news">' in html
    assert '<input type="hidden" name="q" value="&lt;x&gt;">' in html
    assert 'name="tag" value="truce"' in html
    assert 'name="contributor" value=""' in html
    # With the counts shown ("Show counts") too.
    response = editor_client.get(CHANGELIST, {"_facets": "1", "tag": "truce"})
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 1


def test_the_story_list_lists_no_tags_or_contributors_to_pick_from(editor_client):
    ArticleFactory.create_batch(3, byline_count=2, tags=["a", "b", "c"])
    with CaptureQueriesContext(connection) as captured:
        editor_client.get(CHANGELIST)
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    # The rows' own tags and bylines are prefetched; no list of every tag or contributor.
    assert 'FROM "taggit_tag" WHERE' not in sql
    assert 'FROM "articles_contributor" WHERE' not in sql


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
    assert "script" not in stored and "onerror" not in stored and "onclick" not in stored


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
    assert "First\nline" in article.body and "\x07" not in article.body
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
    a, b, c, d = article.bylines.order_by("position")
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


# Images, contributors, sections


def test_image_upload_stores_its_size_and_the_list_previews_it_safely(editor_client):
    upload = SimpleUploadedFile("street.png", png_bytes(40, 30), content_type="image/png")
    response = editor_client.post(
        reverse("admin:articles_image_add"),
        {"file": upload, "alt_text": '"><script>alert(1)</script>', "caption": "", "credit": ""},
    )
    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.width, image.height) == (40, 30)
    html = editor_client.get(reverse("admin:articles_image_changelist")).content.decode()
    assert f'src="{image.file.url}"' in html
    assert "<script>alert(1)</script>" not in html


def test_image_upload_of_a_non_image_is_refused_with_a_message(editor_client):
    upload = SimpleUploadedFile("evil.png", b"<?php echo 1; ?>", content_type="image/png")
    response = editor_client.post(
        reverse("admin:articles_image_add"), {"file": upload, "alt_text": "x"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"]
    assert not Image.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["contributor", "section", "image"],
)
def test_other_admin_pages_open_for_editors(editor_client, name):
    ImageFactory()
    ContributorFactory()
    SectionFactory()
    for page in ("changelist", "add"):
        assert editor_client.get(reverse(f"admin:articles_{name}_{page}")).status_code == 200


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


# Staff preview


def test_staff_preview_a_draft_as_readers_will_see_it_but_the_public_cannot(
    client, reporter, translator
):
    draft = ArticleFactory(headline="Not out yet", created_by=reporter)
    preview = reverse("admin:articles_article_preview", args=[draft.pk])
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(reporter)
    response = client.get(preview)
    assert response.status_code == 200
    assert "Not out yet" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    client.force_login(translator)
    assert client.get(preview).status_code == 404


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


# Desk pages: styles from desk.css only, one stale warning, two-factor links


def stale_translation_in_review():
    from articles import translation

    article = InterviewArticleFactory(
        status=Article.Status.TRANSLATION_REVIEW,
        original_language="ar",
        source_headline="عنوان",
        exchange_count=2,
        byline_count=2,
    )
    translation.record_review(article, by=None)
    article.source_headline = "عنوان جديد"
    article.save()
    return article


def test_desk_pages_carry_no_style_attributes_which_the_policy_would_block(editor_client):
    article = stale_translation_in_review()
    image = ImageFactory()
    urls = [
        change_url(article),
        reverse("admin:articles_article_translation", args=[article.pk]),
        CHANGELIST,
        reverse("admin:articles_image_changelist"),
        reverse("admin:articles_image_change", args=[image.pk]),
    ]
    pages = {url: editor_client.get(url) for url in urls}
    assert {url: page.status_code for url, page in pages.items()} == dict.fromkeys(urls, 200)
    assert {url: " style=" in page.content.decode() for url, page in pages.items()} == (
        dict.fromkeys(urls, False)
    )
    assert 'class="vIntegerField position-input"' in pages[urls[0]].content.decode()
    assert 'class="admin-thumbnail"' in pages[urls[3]].content.decode()
    for url in urls:  # the classes above are defined there
        assert "admin-extra/desk.css" in pages[url].content.decode(), url


def test_the_translation_review_page_warns_of_stale_segments_once(editor_client):
    article = stale_translation_in_review()
    html = editor_client.get(
        reverse("admin:articles_article_translation", args=[article.pk])
    ).content.decode()
    assert html.count('class="errornote"') == 1
    assert "changed in the original since the translation was reviewed" in html
    assert 'data-transition="pass_translation"' in html  # the workflow panel is still there
    # The change page, which has no table of segments, keeps its own warning with a link.
    change = editor_client.get(change_url(article)).content.decode()
    assert change.count('class="errornote"') == 1
    assert "Open the translation review" in change


def test_the_slug_help_names_its_placeholder_instead_of_hiding_it(editor_client, client):
    html = editor_client.get(ADD).content.decode()
    assert "/articles/&lt;slug&gt;/" in html
    # Read-only for a translator: the same help under the plain slug.
    client.force_login(UserFactory(username="samir", role=TRANSLATOR))
    article = stale_translation_in_review()
    html = client.get(change_url(article)).content.decode()
    assert 'name="slug"' not in html
    assert "/articles/&lt;slug&gt;/" in html


def test_user_tools_link_to_two_factor_setup_and_recovery_codes(client, editor, reporter):
    client.force_login(editor)
    html = client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("two_factor:setup")}"' in html
    assert f'href="{reverse("two_factor:recovery-codes")}"' in html
    assert "Newsroom desk" in html and "Django administration" not in html
    # A reporter without a second factor (not required of them) is offered to set one up.
    client.logout()
    password_only_login(client, reporter)
    html = client.get(reverse("admin:index")).content.decode()
    assert "Set up two-factor sign-in" in html
    assert f'href="{reverse("two_factor:recovery-codes")}"' not in html


@pytest.mark.parametrize("role", ["reporter", "translator"])
def test_only_editors_may_change_or_delete_an_image(request, role):
    client = request.getfixturevalue(f"{role}_client")
    image = ImageFactory()
    before = stored_files()
    client.raise_request_exception = False
    upload = SimpleUploadedFile("other.png", png_bytes(20, 20), content_type="image/png")
    attempts = [
        client.post(
            reverse("admin:articles_image_change", args=[image.pk]),
            {"file": upload, "alt_text": "Replaced", "caption": "", "credit": ""},
        ),
        client.post(reverse("admin:articles_image_delete", args=[image.pk]), {"post": "yes"}),
    ]
    assert [response.status_code for response in attempts] == [403, 403]
    # The delete action is not offered to them, and asking for it anyway does nothing.
    changelist = reverse("admin:articles_image_changelist")
    assert "delete_selected" not in client.get(changelist).content.decode()
    client.post(
        changelist, {"action": "delete_selected", "_selected_action": [image.pk], "post": "yes"}
    )
    image.refresh_from_db()
    assert image.alt_text != "Replaced"
    assert stored_files() == before and default_storage.exists(image.file.name)


def test_a_reporter_may_upload_an_image(reporter_client):
    upload = SimpleUploadedFile("street.png", png_bytes(20, 20), content_type="image/png")
    response = reporter_client.post(
        reverse("admin:articles_image_add"),
        {"file": upload, "alt_text": "A street", "caption": "", "credit": ""},
    )
    assert response.status_code == 302
    assert default_storage.exists(Image.objects.get().file.name)
