"""publish_scheduled: due stories go live once, future ones wait, stale translations are held."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles import translation, workflow
from articles.models import Article, StatusChange
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db
Status = Article.Status


def scheduled(editor, *, in_minutes: int, **kwargs) -> Article:
    article = ArticleFactory(status=Status.APPROVED, **kwargs)
    if article.is_translated:
        translation.record_review(article, by=editor)
    workflow.transition(
        article, "schedule", by=editor, publish_at=timezone.now() + timedelta(minutes=5)
    )
    # Move the time as if the clock had run on since scheduling.
    Article.objects.filter(pk=article.pk).update(
        published_at=timezone.now() + timedelta(minutes=in_minutes)
    )
    article.refresh_from_db()
    return article


def run() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("publish_scheduled", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_due_stories_are_published_and_future_ones_wait(editor):
    due = scheduled(editor, in_minutes=-1, headline="Due now")
    later = scheduled(editor, in_minutes=60, headline="Later")
    out, _ = run()
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == Status.PUBLISHED
    assert later.status == Status.SCHEDULED
    assert "Published “Due now”" in out
    assert "1 story published, 0 left scheduled." in out
    change = StatusChange.objects.filter(article=due).latest()
    assert (change.transition, change.changed_by) == ("publish", None)


def test_running_twice_publishes_nothing_twice(editor):
    due = scheduled(editor, in_minutes=-1)
    run()
    out, _ = run()
    assert "0 stories published" in out
    assert StatusChange.objects.filter(article=due, transition="publish").count() == 1


def test_the_publication_time_is_kept_as_scheduled(editor):
    due = scheduled(editor, in_minutes=-30)
    planned = due.published_at
    run()
    due.refresh_from_db()
    assert due.published_at == planned


def test_a_translation_gone_stale_keeps_the_story_scheduled_and_says_why(editor):
    due = scheduled(
        editor,
        in_minutes=-1,
        original_language="ar",
        source_headline="عنوان",
    )
    Article.objects.filter(pk=due.pk).update(source_headline="عنوان آخر")
    out, err = run()
    due.refresh_from_db()
    assert due.status == Status.SCHEDULED
    assert "reviewed again" in err
    assert "0 stories published, 1 left scheduled." in out


def test_nothing_scheduled_prints_a_zero_summary(db):
    out, _ = run()
    assert out.strip() == "0 stories published, 0 left scheduled."
