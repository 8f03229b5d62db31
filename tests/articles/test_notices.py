"""Reporters hear what happened to their stories (articles/notices.py): on the desk home and by
email, when a story is returned, published, corrected or withdrawn; nobody else's, and never
about a move that did not happen. The desk home lists a reporter's own stories."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from articles import changes, workflow
from articles.models import Article, Byline, Notice
from articles.roles import REPORTER
from tests.conftest import login_as
from tests.factories import ArticleFactory, ContributorFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = Article.Status
HOME = "/admin/"


@pytest.fixture
def other_reporter(db):
    return UserFactory(username="other-reporter", role=REPORTER)


def approved_story(reporter, **kwargs):
    return ArticleFactory(status=Status.APPROVED, created_by=reporter, **kwargs)


def test_publishing_a_reporters_story_tells_them_on_the_desk_and_by_email(
    reporter, editor, django_capture_on_commit_callbacks
):
    article = approved_story(reporter, headline="Ovens lit again in Yalda")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(article, "publish", by=editor)
    (notice,) = Notice.objects.filter(user=reporter)
    assert notice.kind == Notice.Kind.PUBLISHED
    assert not notice.read
    assert "“Ovens lit again in Yalda” was published" in notice.text
    (message,) = [m for m in mail.outbox if m.to == [reporter.email]]
    assert message.subject.endswith("Published: Ovens lit again in Yalda")
    assert reverse("admin:articles_article_change", args=[article.pk]) in message.body


@pytest.mark.parametrize(
    ("status", "move", "comment", "kind"),
    [
        (Status.EDITING, "return_to_reporter", "Needs a second source.", Notice.Kind.RETURNED),
        (Status.PUBLISHED, "withdraw", "The photo was of another town.", Notice.Kind.WITHDRAWN),
    ],
)
def test_a_return_or_a_withdrawal_tells_the_reporter_with_the_editors_words(
    reporter, editor, status, move, comment, kind, django_capture_on_commit_callbacks
):
    article = ArticleFactory(status=status, created_by=reporter, published=status == "published")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(article, move, by=editor, comment=comment)
    (notice,) = Notice.objects.filter(user=reporter)
    assert notice.kind == kind
    assert comment in notice.text
    # One email to the reporter, not one from the queue and another from the notice.
    assert [m.to for m in mail.outbox].count([reporter.email]) == 1


def test_a_correction_tells_every_credited_reporter_but_not_the_editor_who_made_it(
    reporter, other_reporter, editor, django_capture_on_commit_callbacks
):
    article = ArticleFactory(published=True, created_by=reporter, byline_count=0)
    Byline.objects.create(
        article=article, contributor=ContributorFactory(user=other_reporter), position=0
    )
    with django_capture_on_commit_callbacks(execute=True):
        changes.add_correction(article, "The school reopened in May, not June.", by=editor)
    assert set(Notice.objects.values_list("user__username", "kind")) == {
        ("reporter", "corrected"),
        ("other-reporter", "corrected"),
    }
    assert sorted(m.to[0] for m in mail.outbox) == sorted([reporter.email, other_reporter.email])


def test_moves_a_reporter_need_not_hear_of_and_refused_moves_write_no_notice(
    reporter, editor, django_capture_on_commit_callbacks
):
    article = ArticleFactory(status=Status.EDITING, created_by=reporter)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(article, "approve", by=editor)
        with pytest.raises(PermissionDenied):
            workflow.transition(article, "publish", by=reporter)
    assert not Notice.objects.exists()


def test_an_editor_publishing_their_own_story_is_not_told_what_they_just_did(
    editor, django_capture_on_commit_callbacks
):
    article = approved_story(editor)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(article, "publish", by=editor)
    assert not Notice.objects.exists()


def test_the_scheduler_publishing_a_story_tells_its_reporter(reporter, editor):
    from datetime import timedelta

    from django.utils import timezone

    article = approved_story(reporter)
    workflow.transition(
        article, "schedule", by=editor, publish_at=timezone.now() + timedelta(minutes=5)
    )
    workflow.publish_due(now=timezone.now() + timedelta(minutes=6))
    (notice,) = Notice.objects.filter(user=reporter)
    assert notice.text.endswith("was published.")


def test_the_desk_home_lists_the_reporters_notices_and_never_anothers(
    client, reporter, other_reporter, editor
):
    mine = approved_story(reporter, headline="My bakery story")
    theirs = approved_story(other_reporter, headline="Their school story")
    workflow.transition(mine, "publish", by=editor)
    workflow.transition(theirs, "publish", by=editor)
    page = login_as(client, reporter).get(HOME).content.decode()
    assert "What happened to your stories" in page
    assert "My bakery story" in page
    assert "Their school story" not in page


def test_a_reporter_marks_their_notices_read_and_cannot_mark_anothers(
    client, reporter, other_reporter, editor
):
    workflow.transition(approved_story(reporter), "publish", by=editor)
    workflow.transition(approved_story(other_reporter), "publish", by=editor)
    own = Notice.objects.get(user=reporter)
    others = Notice.objects.get(user=other_reporter)
    login_as(client, reporter)
    response = client.post(
        reverse("admin:articles_article_notices_read"), {"notice": [own.pk, others.pk]}
    )
    assert response.status_code == 302
    own.refresh_from_db()
    others.refresh_from_db()
    assert own.read
    assert not others.read
    assert "What happened to your stories" not in client.get(HOME).content.decode()


def test_notices_are_marked_read_only_by_post(client, reporter):
    login_as(client, reporter)
    assert client.get(reverse("admin:articles_article_notices_read")).status_code == 405


def test_the_desk_home_lists_a_reporters_own_stories_in_progress_and_published(
    client, reporter, other_reporter
):
    ArticleFactory(headline="Draft about bread", created_by=reporter)
    ArticleFactory(headline="Submitted about water", status=Status.EDITING, created_by=reporter)
    ArticleFactory(headline="Out about schools", published=True, created_by=reporter)
    ArticleFactory(headline="Someone else's draft", created_by=other_reporter)
    page = login_as(client, reporter).get(HOME).content.decode()
    section = page.split('id="my-stories-title"', 1)[1].split("</section>", 1)[0]
    in_progress, published = section.split("Published</a>", 1)
    assert "Draft about bread" in in_progress
    assert "Submitted about water" in in_progress
    assert "Out about schools" in published
    assert "Someone else" not in page


def test_editors_and_translators_have_no_my_stories_list(client, editor, translator):
    for person in (editor, translator):
        page = login_as(client, person).get(HOME).content.decode()
        assert "My stories" not in page
