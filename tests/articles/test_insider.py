"""What a curious insider found on the paths between the features, each now closed: owning
someone's drafts through a contributor, hidden words found by search, a draft's past read by a
translator, the library of other people's drafts, an account that cannot be deleted without a
500, words lost on a refused move, and odd input that answered 500."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles import changes, revisions, search, workflow
from articles.diffs import word_diff
from articles.models import Article, Contributor, Image
from tests.conftest import login_as
from tests.factories import (
    ArticleFactory,
    ContributorFactory,
    ExchangeFactory,
    ImageFactory,
    InterviewArticleFactory,
    UserFactory,
)
from tests.helpers import edit, full_story_form

pytestmark = pytest.mark.django_db
Status = Article.Status
PASTE = reverse("admin:articles_article_paste")
FORM = "application/x-www-form-urlencoded"


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


# Ownership through a contributor ----------------------------------------------------------------


def test_a_reporter_cannot_link_a_contributor_to_their_own_account(reporter_client, reporter):
    reporter_client.post(
        reverse("admin:articles_contributor_add"), {"name": "Jane Doe", "user": str(reporter.pk)}
    )
    assert Contributor.objects.get(name="Jane Doe").user is None
    with pytest.raises(changes.ChangeRefused, match="Only editors link"):
        changes.save_library_item(Contributor(name="John Roe", user=reporter), by=reporter)


def test_so_a_colleagues_byline_does_not_hand_their_draft_over(reporter_client, reporter):
    reporter_client.post(
        reverse("admin:articles_contributor_add"), {"name": "Jane Doe", "user": str(reporter.pk)}
    )
    colleague = UserFactory(username="bob", role="Reporter")
    draft = ArticleFactory(created_by=colleague, headline="Bob's draft")
    changes.edit_story(
        draft,
        changes.StoryChanges(bylines=[changes.BylineRow(role="reporter", name="Jane Doe")]),
        by=colleague,
    )
    assert reporter_client.get(change_url(draft)).status_code == 302  # not theirs to open


def test_reporters_do_not_see_whose_account_a_contributor_is(reporter, editor):
    ContributorFactory(name="Hala Nasser", user=UserFactory(username="hala-account"))
    changelist = reverse("admin:articles_contributor_changelist")
    as_reporter, as_editor = login_as(Client(), reporter), login_as(Client(), editor)
    assert "hala-account" not in as_reporter.get(changelist).content.decode()
    assert "hala-account" in as_editor.get(changelist).content.decode()


# Words only an interview shows -------------------------------------------------------------------


def test_an_interview_with_questions_cannot_become_another_kind(editor):
    interview = InterviewArticleFactory(exchange_count=1)
    with pytest.raises(changes.ChangeRefused, match="keep the kind Interview"):
        edit(interview, by=editor, kind=Article.Kind.NEWS)
    interview.refresh_from_db()
    assert interview.kind == Article.Kind.INTERVIEW


def test_search_finds_a_story_by_its_exchanges_only_if_it_is_an_interview():
    news = ArticleFactory(published=True, kind=Article.Kind.NEWS)
    ExchangeFactory(article=news, answer="Next to the Zyxqmosque bakery.")
    interview = InterviewArticleFactory(published=True)
    ExchangeFactory(article=interview, answer="By the Qwvmarket square.")
    search.refresh_search_vectors([news.pk, interview.pk])
    assert list(search.search_articles("Zyxqmosque")) == []
    assert list(search.search_articles("Qwvmarket")) == [interview]


# A draft's past ---------------------------------------------------------------------------------


def test_a_translator_reads_a_story_from_its_submission_on(translator_client, reporter):
    article = InterviewArticleFactory(created_by=reporter, original_language="ar")
    edit(article, by=reporter, dek="Real Name Of Source spoke to us.")
    edit(article, by=reporter, dek="A pseudonym spoke to us.")
    workflow.transition(article, "submit", by=reporter)
    every = revisions.revisions(article)
    url = reverse("admin:articles_article_compare", args=[article.pk])
    response = translator_client.get(url, {"a": every[-1].history_id, "b": every[0].history_id})
    assert "Real Name Of Source" not in response.content.decode()
    page = translator_client.get(reverse("admin:articles_article_revisions", args=[article.pk]))
    assert len(page.context["revisions"]) == 1  # the story as it was given to them


def test_the_owner_and_editors_read_the_whole_history(reporter_client, reporter, editor_client):
    article = ArticleFactory(created_by=reporter)
    edit(article, by=reporter, dek="Real Name Of Source spoke to us.")
    edit(article, by=reporter, dek="A pseudonym spoke to us.")
    url = reverse("admin:articles_article_revisions", args=[article.pk])
    assert len(reporter_client.get(url).context["revisions"]) == 3
    assert len(editor_client.get(url).context["revisions"]) == 3


# The library of other people's drafts ------------------------------------------------------------


def test_a_reporter_browses_only_pictures_they_may_see(reporter_client, reporter):
    secret = ImageFactory(alt_text="Face of the defector in Homs")
    ArticleFactory(lead_image=secret)  # another reporter's draft
    ArticleFactory(published=True, lead_image=ImageFactory(alt_text="A published street"))
    mine = changes.save_library_item(
        Image(file=ImageFactory.build().file, alt_text="My own upload"), by=reporter
    )
    listed = reporter_client.get(reverse("admin:articles_image_changelist")).content.decode()
    assert "Face of the defector" not in listed
    assert "A published street" in listed
    assert mine.alt_text in listed
    found = reporter_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "articles",
            "model_name": "article",
            "field_name": "lead_image",
            "term": "defector",
        },
    )
    assert "defector" not in found.content.decode()


def test_a_reporter_browses_only_tags_they_may_see(reporter_client):
    ArticleFactory(tags=["defector-homs"])  # another reporter's draft
    ArticleFactory(published=True, tags=["raqqa"])
    listed = reporter_client.get(reverse("admin:taggit_tag_changelist")).content.decode()
    assert "defector-homs" not in listed
    assert "raqqa" in listed


# Accounts that did newsroom work -----------------------------------------------------------------


def test_an_account_with_a_record_is_deactivated_not_deleted(admin_client, reporter):
    ArticleFactory(created_by=reporter)
    url = reverse("admin:auth_user_delete", args=[reporter.pk])
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 403
    reporter.refresh_from_db()  # still there, so the audit trail still names them


def test_an_account_with_no_record_can_be_deleted(admin_client):
    nobody = UserFactory(username="never-wrote")
    response = admin_client.post(
        reverse("admin:auth_user_delete", args=[nobody.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not type(nobody).objects.filter(pk=nobody.pk).exists()


# Words kept when a move or a tag is refused ------------------------------------------------------


def test_a_refused_withdrawal_keeps_its_public_reason(editor_client, editor):
    article = ArticleFactory(published=True)
    colleague = UserFactory(username="hala", role="Editor")
    workflow.transition(article, "withdraw", by=colleague, comment="Their reason.")
    url = reverse("admin:articles_article_transition", args=[article.pk, "withdraw"])
    editor_client.post(url, {"comment": "My carefully worded public reason."})
    page = editor_client.get(change_url(article)).content.decode()
    assert "My carefully worded public reason." in page


def test_a_tag_that_exists_in_another_case_is_a_form_error(editor_client):
    Tag.objects.create(name="raqqa")
    response = editor_client.post(reverse("admin:taggit_tag_add"), {"name": "RAQQA"})
    assert response.status_code == 200
    assert "merge the two instead" in response.content.decode()


def test_a_refused_correction_is_given_back(reporter_client, reporter):
    article = ArticleFactory(created_by=reporter, status=Status.EDITING)
    data = full_story_form(article)
    data["corrections-TOTAL_FORMS"] = "1"
    data["corrections-0-text"] = "The date was wrong."
    response = reporter_client.post(change_url(article), data)
    assert response.status_code == 409
    assert "The date was wrong." in response.content.decode()


def test_a_form_without_its_version_is_refused_not_saved_over_a_colleague(editor_client):
    article = ArticleFactory(headline="Colleague's headline")
    data = full_story_form(article, headline="Mine")
    del data["loaded_version"]
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    assert "out of date" in response.content.decode()
    article.refresh_from_db()
    assert article.headline == "Colleague's headline"


# Long texts compared -----------------------------------------------------------------------------


def test_very_long_texts_are_compared_by_paragraph():
    old = "\n\n".join(f"Paragraph {n} " + "word " * 400 for n in range(20))
    new = old.replace("Paragraph 7 ", "Paragraph seven ")
    diff = word_diff(old, new)
    assert diff.count("<del>") == 1
    assert diff.count("<ins>") == 1
    assert "<ins>Paragraph seven word" in diff


# Odd input --------------------------------------------------------------------------------------


def test_odd_row_numbers_on_a_refused_save_are_not_an_error(reporter_client):
    url = reverse("admin:articles_article_change", args=[999_999])
    for number in ("²", "9" * 5000):
        body = urlencode({f"exchanges-{number}-question": "Kept?"})
        response = reporter_client.post(url, body, content_type=FORM)
        assert response.status_code == 409


@pytest.mark.parametrize("value", ["²", "9" * 100])
def test_odd_contributor_filters_are_not_an_error(reporter_client, value):
    changelist = reverse("admin:articles_article_changelist")
    assert reporter_client.get(changelist, {"contributor": value}).status_code == 200


def test_the_last_month_of_year_9999_is_not_an_error(client):
    assert client.get("/archive/9999/12/").status_code == 404


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Damascus"])
def test_a_publication_time_at_the_ends_of_the_calendar_is_a_form_error(
    editor_client, settings, zone
):
    settings.TIME_ZONE = zone
    article = ArticleFactory()
    for day in ("9999-12-31", "0001-01-01"):
        data = full_story_form(article, published_at_0=day, published_at_1="23:00:00")
        response = editor_client.post(change_url(article), data)
        assert response.status_code == 200
        assert "between 1900 and 9998" in response.content.decode()


def test_scheduling_at_the_end_of_the_calendar_is_a_message(editor_client, settings):
    settings.TIME_ZONE = "America/New_York"
    article = ArticleFactory(status=Status.APPROVED)
    url = reverse("admin:articles_article_transition", args=[article.pk, "schedule"])
    response = editor_client.post(url, {"publish_at": "9999-12-31T23:00"}, follow=True)
    assert response.status_code == 200
    assert "date and a time" in response.content.decode()


@pytest.mark.parametrize("model", ["auditentry", "statuschange"])
def test_the_audit_lists_take_any_year(editor_client, model):
    url = reverse(f"admin:articles_{model}_changelist")
    assert editor_client.get(url, {"at__year": "9999", "changed_at__year": "9999"}).status_code in (
        200,
        302,
    )


def test_view_on_site_for_a_model_that_is_gone_is_not_found(editor_client):
    stale = ContentType.objects.create(app_label="gone", model="vanished")
    assert editor_client.get(f"/admin/r/{stale.pk}/1/").status_code == 404


# Races and mail ---------------------------------------------------------------------------------


def test_two_stories_given_one_address_at_once_is_a_refusal(editor, monkeypatch):
    ArticleFactory(slug="same-address", headline="The other one")
    looks = iter([False])  # the other story lands between the check and the insert

    def taken(article):
        return next(looks, True)

    monkeypatch.setattr(changes.stories, "_address_is_taken", taken)
    with pytest.raises(changes.ChangeRefused, match="taken just now"):
        changes.create_story(
            changes.StoryChanges(fields={"headline": "Mine", "slug": "same-address"}), by=editor
        )


def test_queue_mail_goes_to_staff_only(reporter):
    former = UserFactory(username="former", role="Editor", is_staff=False)
    former.email = "former@newsroom.test"
    former.save()
    article = ArticleFactory(created_by=reporter)
    workflow.transition(article, "submit", by=reporter)
    sent_to = {address for message in mail.outbox for address in message.to}
    assert "former@newsroom.test" not in sent_to


def test_a_scheduled_time_still_publishes_on_time(editor):
    # The bounded fields change nothing for ordinary times.
    article = ArticleFactory(status=Status.APPROVED)
    workflow.transition(
        article, "schedule", by=editor, publish_at=timezone.now() + timedelta(hours=1)
    )
    assert article.status == Status.SCHEDULED
