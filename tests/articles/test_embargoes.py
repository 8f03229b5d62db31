"""Embargoes through the door and the workflow: who may set and lift one, the audit trail, the
refusals that name the time, and the scheduler when the time comes."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from articles import changes, permissions, workflow
from articles.changes import ChangeRefused
from articles.models import Article, AuditEntry
from tests.factories import ArticleFactory, BylineFactory, ContributorFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = Article.Status


def hours(n: float) -> datetime:
    return (timezone.now() + timedelta(hours=n)).replace(microsecond=0)


@pytest.fixture
def desk_editor(db):
    """An editor in every way but one: not allowed to lift an embargo before its time."""
    user = UserFactory(username="desk-editor")
    editor_rights = Group.objects.get(name="Editor").permissions.exclude(codename="lift_embargo")
    user.user_permissions.set(editor_rights)
    return get_user_model().objects.get(pk=user.pk)  # without the permission cache


def embargoed(editor, *, until=None, note="Agreed with the UN press office.", **kwargs) -> Article:
    article = ArticleFactory(**kwargs)
    return changes.set_embargo(article, until=until or hours(24), note=note, by=editor)


# Who may set one -------------------------------------------------------------------------------


def test_the_editor_role_holds_the_lift_permission_and_no_other_role_does(editor, reporter):
    assert editor.has_perm("articles.lift_embargo")
    assert not reporter.has_perm("articles.lift_embargo")
    assert not permissions.can_set_embargo(reporter)


def test_an_editor_sets_an_embargo_audited_and_the_version_moves_on(editor):
    article = ArticleFactory(status=Status.APPROVED)
    until = hours(30)
    saved = changes.set_embargo(article, until=until, note="Until the minister speaks.", by=editor)
    article.refresh_from_db()
    assert article.embargo_until == until
    assert article.embargo_note == "Until the minister speaks."
    assert article.version == saved.version == 2
    entry = AuditEntry.objects.get(action="embargo.set")
    assert (entry.article, entry.by, entry.changed) == (article, editor, ["embargo"])
    assert "Until the minister speaks." in entry.comment


def test_setting_the_same_embargo_again_writes_nothing(editor):
    article = embargoed(editor)
    again = changes.set_embargo(
        article, until=article.embargo_until, note=article.embargo_note, by=editor
    )
    assert again.version == article.version
    assert AuditEntry.objects.filter(action="embargo.set").count() == 1


def test_a_reporter_may_not_embargo_even_their_own_draft(reporter):
    contributor = ContributorFactory(user=reporter)
    article = ArticleFactory(created_by=reporter)
    BylineFactory(article=article, contributor=contributor)
    with pytest.raises(ChangeRefused, match="Only editors set or change an embargo"):
        changes.set_embargo(article, until=hours(5), by=reporter)
    article.refresh_from_db()
    assert article.embargo_until is None
    assert not AuditEntry.objects.filter(action__startswith="embargo").exists()


def test_a_translator_may_not_embargo_a_story_in_review(translator):
    article = ArticleFactory(status=Status.TRANSLATION_REVIEW, original_language="ar")
    with pytest.raises(ChangeRefused, match="Only editors"):
        changes.set_embargo(article, until=hours(5), by=translator)


def test_a_reporter_may_not_lift_an_embargo(editor, reporter):
    article = embargoed(editor, created_by=reporter)
    with pytest.raises(ChangeRefused, match="Only editors"):
        changes.lift_embargo(article, reason="The source agreed.", by=reporter)
    article.refresh_from_db()
    assert article.embargo_until is not None


def test_an_embargo_time_already_past_is_refused(editor):
    article = ArticleFactory()
    with pytest.raises(ChangeRefused, match="has passed"):
        changes.set_embargo(article, until=hours(-1), by=editor)


def test_an_embargo_time_needs_its_time_zone(editor):
    with pytest.raises(ValueError, match="timezone-aware"):
        changes.set_embargo(ArticleFactory(), until=datetime(2030, 1, 1, 12), by=editor)  # noqa: DTZ001


# Lifting before its time: a permission of its own, and a reason --------------------------------


def test_an_editor_without_the_lift_permission_may_set_move_later_and_change_the_note(
    editor, desk_editor
):
    article = ArticleFactory()
    first, later = hours(10), hours(20)
    article = changes.set_embargo(article, until=first, note="First note", by=desk_editor)
    article = changes.set_embargo(article, until=later, note="First note", by=desk_editor)
    article = changes.set_embargo(article, until=later, note="Second note", by=desk_editor)
    article.refresh_from_db()
    assert (article.embargo_until, article.embargo_note) == (later, "Second note")
    assert AuditEntry.objects.filter(action="embargo.set").count() == 3


@pytest.mark.parametrize("lift", ["clear", "earlier"])
def test_an_editor_without_the_lift_permission_may_not_lift_it_early(editor, desk_editor, lift):
    until = hours(10)
    article = embargoed(editor, until=until)
    with pytest.raises(ChangeRefused, match="permission to lift embargoes"):
        if lift == "clear":
            changes.lift_embargo(article, reason="The minister spoke early.", by=desk_editor)
        else:
            changes.set_embargo(
                article, until=hours(2), reason="The minister spoke early.", by=desk_editor
            )
    article.refresh_from_db()
    assert article.embargo_until == until
    assert not AuditEntry.objects.filter(action="embargo.lift").exists()


def test_lifting_early_needs_a_reason(editor):
    article = embargoed(editor)
    with pytest.raises(ChangeRefused, match="needs a reason"):
        changes.lift_embargo(article, reason="  ", by=editor)
    article.refresh_from_db()
    assert article.embargo_until is not None


def test_lifting_early_is_recorded_in_the_audit_trail_with_its_reason(editor):
    article = embargoed(editor, until=hours(10))
    changes.lift_embargo(article, reason="The ministry published the report itself.", by=editor)
    article.refresh_from_db()
    assert (article.embargo_until, article.embargo_note) == (None, "")
    entry = AuditEntry.objects.get(action="embargo.lift")
    assert (entry.article, entry.by, entry.changed) == (article, editor, ["embargo"])
    assert "before its time" in entry.comment
    assert "Reason: The ministry published the report itself." in entry.comment
    assert entry.get_action_display() == "Embargo lifted"


def test_moving_a_running_embargo_earlier_is_lifting_it_early(editor):
    article = embargoed(editor, until=hours(10))
    with pytest.raises(ChangeRefused, match="needs a reason"):
        changes.set_embargo(article, until=hours(5), by=editor)
    changes.set_embargo(article, until=hours(5), reason="Brought forward by the agency.", by=editor)
    entry = AuditEntry.objects.get(action="embargo.lift")
    assert "moved earlier" in entry.comment
    assert "Reason: Brought forward by the agency." in entry.comment


def test_clearing_an_embargo_whose_time_has_passed_needs_no_lift_permission(editor, desk_editor):
    article = embargoed(editor, until=hours(1))
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        changes.lift_embargo(article, by=desk_editor)
    article.refresh_from_db()
    assert article.embargo_until is None


def test_a_form_loaded_before_another_change_is_refused(editor):
    article = ArticleFactory()
    loaded = article.version
    changes.set_embargo(article, until=hours(3), by=editor)
    with pytest.raises(changes.EditConflict):
        changes.set_embargo(article, until=hours(9), by=editor, loaded_version=loaded)


# The workflow refuses, naming the time ---------------------------------------------------------


def test_publishing_before_the_embargo_is_refused_naming_the_time_in_the_site_zone(
    editor, settings
):
    settings.TIME_ZONE = "Asia/Beirut"
    until = datetime(2031, 3, 4, 15, 30, tzinfo=ZoneInfo("Asia/Beirut"))
    article = embargoed(editor, until=until, status=Status.APPROVED)
    with pytest.raises(workflow.TransitionNotAllowed) as refusal:
        workflow.transition(article, "publish", by=editor)
    assert "embargoed until 4 March 2031, 15:30 Beirut time" in str(refusal.value)
    article.refresh_from_db()
    assert article.status == Status.APPROVED


def test_scheduling_before_the_embargo_is_refused_and_at_or_after_it_allowed(editor):
    until = hours(24)
    article = embargoed(editor, until=until, status=Status.APPROVED)
    with pytest.raises(workflow.TransitionNotAllowed, match="schedule it for then or later"):
        workflow.transition(article, "schedule", by=editor, publish_at=until - timedelta(minutes=1))
    workflow.transition(article, "schedule", by=editor, publish_at=until)
    article.refresh_from_db()
    assert (article.status, article.published_at) == (Status.SCHEDULED, until)


def test_bulk_publish_leaves_the_embargoed_story_and_says_why(editor, editor_client):
    ready = ArticleFactory(status=Status.APPROVED, headline="Ready now")
    held = embargoed(editor, status=Status.APPROVED, headline="Held back")
    response = editor_client.post(
        "/admin/articles/article/",
        {"action": "publish_selected", "_selected_action": [ready.pk, held.pk]},
        follow=True,
    )
    said = " ".join(str(m) for m in response.context["messages"])
    ready.refresh_from_db()
    held.refresh_from_db()
    assert ready.status == Status.PUBLISHED
    assert held.status == Status.APPROVED
    assert "“Held back”: " in said
    assert "embargoed until" in said


def test_publishing_once_the_embargo_has_passed_is_allowed(editor):
    article = embargoed(editor, until=hours(1), status=Status.APPROVED)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        workflow.transition(article, "publish", by=editor)
        article.refresh_from_db()
        assert article.status == Status.PUBLISHED
        assert article.is_readable


# When the time comes ----------------------------------------------------------------------------


def run_scheduler() -> str:
    out = StringIO()
    call_command("publish_scheduled", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_scheduled_story_embargoed_later_waits_for_the_embargo_then_goes_live(editor):
    article = ArticleFactory(status=Status.APPROVED, headline="Held report")
    workflow.transition(article, "schedule", by=editor, publish_at=hours(1))
    until = hours(3)
    changes.set_embargo(article, until=until, note="The agency asked.", by=editor)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        run_scheduler()
        article.refresh_from_db()
        assert article.status == Status.SCHEDULED
        assert not Article.objects.published().filter(pk=article.pk).exists()
    with time_machine.travel(timezone.now() + timedelta(hours=4)):
        out = run_scheduler()
        article.refresh_from_db()
        assert article.status == Status.PUBLISHED
        # Readers saw it from the embargo's time, not the earlier scheduled one.
        assert article.published_at == until
        assert article.embargo_until is None
        assert "Embargo ended on “Held report”" in out
    ended = AuditEntry.objects.get(action="embargo.end")
    assert ended.by is None
    assert "The agency asked." in ended.comment


def test_the_scheduler_ends_a_published_storys_embargo_and_announces_it(editor):
    from articles.changes import story_changed

    article = embargoed(editor, until=hours(1), published=True)
    heard = []

    def listener(sender, **kwargs):
        heard.append((set(kwargs["article_ids"]), set(kwargs["changed"])))

    story_changed.connect(listener)
    try:
        with time_machine.travel(timezone.now() + timedelta(hours=2)):
            run_scheduler()
            run_scheduler()  # again: nothing more to end
    finally:
        story_changed.disconnect(listener)
    assert heard == [({article.pk}, {"embargo"})]
    assert AuditEntry.objects.filter(action="embargo.end").count() == 1
