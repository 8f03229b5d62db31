"""The checklist before a story goes live, on every path (workflow, bulk action, workflow page,
scheduler), and the one-action road to published that records each move."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from articles import checklist, translation, workflow
from articles.models import Article, AuditEntry, Byline, StatusChange
from tests.factories import ArticleFactory, BylineFactory, ImageFactory

pytestmark = pytest.mark.django_db
Status = Article.Status


def approved(**kwargs) -> Article:
    return ArticleFactory(status=Status.APPROVED, **kwargs)


def refusal_of(article, editor, name="publish", **kwargs) -> str:
    with pytest.raises(workflow.TransitionNotAllowed) as refused:
        workflow.transition(article, name, by=editor, **kwargs)
    article.refresh_from_db()
    assert article.status == Status.APPROVED
    assert not StatusChange.objects.filter(article=article).exists()
    return str(refused.value)


def test_a_complete_story_passes_every_item(editor):
    article = approved()
    assert all(item.ok for item in checklist.items(article))
    workflow.transition(article, "publish", by=editor)
    assert article.status == Status.PUBLISHED


def test_publishing_without_a_section_is_refused_naming_it(editor):
    assert "choose its section" in refusal_of(approved(section=None), editor)


def test_publishing_without_a_byline_is_refused_naming_it(editor):
    assert "credit its author" in refusal_of(approved(byline_count=0), editor)


def test_a_translators_credit_alone_is_not_a_byline(editor):
    article = approved(byline_count=0)
    BylineFactory(article=article, role=Byline.Role.TRANSLATOR)
    assert "credit its author" in refusal_of(article, editor)


def test_publishing_without_a_standfirst_is_refused_naming_it(editor):
    assert "write its standfirst" in refusal_of(approved(dek="  "), editor)


def test_a_picture_in_the_text_without_alt_text_is_refused(editor):
    body = '<p>Text.</p><img src="/media/a.jpg" alt=""><img src="/media/b.jpg" alt="A bakery">'
    article = approved()
    # Written past the sanitiser, which decides which pictures a body may hold.
    Article.objects.filter(pk=article.pk).update(body=body)
    assert "describe 1 picture" in refusal_of(article, editor)


def test_a_lead_image_without_alt_text_is_refused(editor):
    image = ImageFactory()
    article = approved(lead_image=image)
    # The library refuses an image without alt text; one emptied around it is still caught.
    type(image).objects.filter(pk=image.pk).update(alt_text=" ")
    assert "describe 1 picture" in refusal_of(article, editor)


def test_an_unreviewed_translation_is_refused_naming_it(editor):
    article = approved(original_language="ar", source_headline="عنوان")
    # Never reviewed: the workflow's own check hides the move; the checklist names it too.
    assert not checklist.items(article)[-2].ok
    assert "reviewed" in refusal_of(article, editor)
    translation.record_review(article, by=editor)
    workflow.transition(article, "publish", by=editor)
    assert article.status == Status.PUBLISHED


def test_publishing_now_with_a_time_still_to_come_is_refused(editor):
    later = timezone.now() + timedelta(days=1)
    assert "still to come" in refusal_of(approved(published_at=later), editor)


def test_scheduling_without_a_time_to_come_is_refused(editor):
    message = refusal_of(approved(), editor, "schedule", publish_at=timezone.now())
    assert "in the future to schedule" in message


def test_the_refusal_names_everything_missing_at_once(editor):
    message = refusal_of(approved(section=None, byline_count=0, dek=""), editor)
    assert ("section" in message, "author" in message, "standfirst" in message) == (
        True,
        True,
        True,
    )


def test_the_bulk_publish_action_is_refused_for_an_incomplete_story(editor_client):
    ready, lacking = approved(), approved(section=None)
    response = editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [ready.pk, lacking.pk]},
        follow=True,
    )
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("choose its section" in text for text in texts)
    ready.refresh_from_db()
    lacking.refresh_from_db()
    assert (ready.status, lacking.status) == (Status.PUBLISHED, Status.APPROVED)


def test_the_workflow_page_refuses_publishing_an_incomplete_story(editor_client):
    article = approved(dek="")
    response = editor_client.post(
        reverse("admin:articles_article_transition", args=[article.pk, "publish"]), follow=True
    )
    assert "write its standfirst" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Status.APPROVED


def test_the_scheduler_holds_a_story_that_lost_its_byline(editor):
    article = approved()
    workflow.transition(
        article, "schedule", by=editor, publish_at=timezone.now() + timedelta(minutes=5)
    )
    Byline.objects.filter(article=article).delete()
    result = workflow.publish_due(now=timezone.now() + timedelta(minutes=10))
    article.refresh_from_db()
    assert article.status == Status.SCHEDULED
    assert "credit its author" in result.refused[0][1]


def test_the_change_form_shows_the_checklist_as_last_saved(editor_client):
    article = ArticleFactory(status=Status.DRAFT, section=None)
    html = editor_client.get(reverse("admin:articles_article_change", args=[article.pk])).content
    html = html.decode()
    assert "Before it goes live" in html
    assert "A section: choose its section" in html
    assert 'name="_move" value="publish"' in html


# One action, every move recorded


def test_an_editor_publishes_a_draft_in_one_action_and_each_move_is_recorded(editor):
    article = ArticleFactory(status=Status.DRAFT, created_by=editor)
    made = workflow.advance(article, Status.PUBLISHED, by=editor)
    assert [change.transition for change in made] == ["submit", "approve", "publish"]
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    moves = StatusChange.objects.filter(article=article).order_by("pk")
    assert [(m.from_status, m.to_status) for m in moves] == [
        (Status.DRAFT, Status.EDITING),
        (Status.EDITING, Status.APPROVED),
        (Status.APPROVED, Status.PUBLISHED),
    ]
    audit = AuditEntry.objects.filter(article=article, action="story.move")
    assert audit.count() == 3
    assert {entry.by for entry in audit} == {editor}


def test_one_action_scheduling_goes_by_approval(editor):
    article = ArticleFactory(status=Status.DRAFT)
    at = timezone.now() + timedelta(hours=3)
    made = workflow.advance(article, Status.SCHEDULED, by=editor, publish_at=at)
    assert [change.transition for change in made] == ["submit", "approve", "schedule"]
    article.refresh_from_db()
    assert (article.status, article.published_at) == (Status.SCHEDULED, at)


def test_a_refused_last_move_undoes_the_moves_before_it(editor):
    article = ArticleFactory(status=Status.DRAFT, section=None)
    with pytest.raises(workflow.TransitionNotAllowed, match="section"):
        workflow.advance(article, Status.PUBLISHED, by=editor)
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    assert not StatusChange.objects.filter(article=article).exists()
    assert not AuditEntry.objects.filter(article=article).exists()


def test_one_action_publishing_tells_no_queue_it_passed_through(
    editor, reporter, django_capture_on_commit_callbacks
):
    article = ArticleFactory(status=Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.advance(article, Status.PUBLISHED, by=editor)
    # Submitting and approving alone would each have mailed the editors.
    assert mail.outbox == []


def test_a_reporter_has_no_road_to_published(reporter):
    article = ArticleFactory(status=Status.DRAFT, created_by=reporter)
    assert workflow.path_to(article, Status.PUBLISHED, by=reporter) is None
    with pytest.raises(workflow.TransitionNotAllowed):
        workflow.advance(article, Status.PUBLISHED, by=reporter)
    article.refresh_from_db()
    assert article.status == Status.DRAFT


def test_a_reporter_has_no_road_through_anothers_draft(reporter):
    article = ArticleFactory(status=Status.DRAFT)
    assert workflow.path_to(article, Status.EDITING, by=reporter) is None


def test_a_translated_story_has_no_one_action_road_past_its_review(editor):
    article = ArticleFactory(status=Status.DRAFT, original_language="ar", source_headline="عنوان")
    assert workflow.path_to(article, Status.PUBLISHED, by=editor) is None
    article.status = Status.APPROVED
    translation.record_review(article, by=None)
    assert [t.name for t in workflow.path_to(article, Status.PUBLISHED, by=editor)] == ["publish"]
