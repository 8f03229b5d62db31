"""The editorial workflow: every role x transition x state, the audit trail, notifications."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from articles import translation, workflow
from articles.models import Article, StatusChange
from articles.roles import EDITOR, REPORTER, TRANSLATOR
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = Article.Status
ROLES = ("reporter", "translator", "editor")

# The workflow as README.md tells it, written out again independently of workflow.TRANSITIONS:
# transition -> (states it leaves, roles that may make it, needs a translated story (None: any)).
EXPECTED = {
    "submit": ({Status.DRAFT}, {"reporter", "editor"}, None),
    "return_to_reporter": ({Status.EDITING}, {"editor"}, None),
    "send_to_translation_review": ({Status.EDITING}, {"editor"}, True),
    "pass_translation": ({Status.TRANSLATION_REVIEW}, {"translator", "editor"}, True),
    "return_translation": ({Status.TRANSLATION_REVIEW}, {"translator", "editor"}, None),
    "approve": ({Status.EDITING}, {"editor"}, False),
    "schedule": ({Status.APPROVED}, {"editor"}, None),
    "publish": ({Status.APPROVED, Status.SCHEDULED}, {"editor"}, None),
    "withdraw": ({Status.PUBLISHED}, {"editor"}, None),
    "back_to_draft": ({Status.WITHDRAWN}, {"editor"}, None),
}
TARGETS = {name: spec.target for name, spec in workflow.TRANSITIONS.items()}


@pytest.fixture
def people(reporter, translator, editor):
    return {"reporter": reporter, "translator": translator, "editor": editor}


def story(status, *, translated=False, **kwargs) -> Article:
    article = ArticleFactory(
        status=status,
        published_at=timezone.now() - timedelta(hours=1),
        original_language="ar" if translated else "",
        source_headline="عنوان" if translated else "",
        **kwargs,
    )
    if translated:
        translation.record_review(article, by=None)
    return article


def test_the_transition_table_is_the_designed_one():
    assert set(workflow.TRANSITIONS) == set(EXPECTED)
    for name, (sources, _, _) in EXPECTED.items():
        assert set(workflow.TRANSITIONS[name].sources) == sources


@pytest.mark.parametrize("translated", [False, True], ids=["plain", "translated"])
@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_every_transition_every_state(people, role, status, translated):
    user = people[role]
    for name, (sources, roles, needs_translation) in EXPECTED.items():
        article = story(status, translated=translated, created_by=people["reporter"])
        allowed = (
            status in sources
            and role in roles
            and (needs_translation is None or needs_translation == translated)
        )
        assert (name in {t.name for t in workflow.available_transitions(article, by=user)}) == (
            allowed
        ), name
        publish_at = timezone.now() + timedelta(days=1)
        if allowed:
            change = workflow.transition(
                article, name, by=user, comment="Because.", publish_at=publish_at
            )
            article.refresh_from_db()
            assert article.status == TARGETS[name]
            assert (change.from_status, change.to_status, change.changed_by) == (
                status,
                TARGETS[name],
                user,
            )
        else:
            with pytest.raises((workflow.TransitionNotAllowed, PermissionDenied)):
                workflow.transition(
                    article, name, by=user, comment="Because.", publish_at=publish_at
                )
            article.refresh_from_db()
            assert article.status == status
            assert not StatusChange.objects.filter(article=article).exists()


def test_a_reporter_cannot_submit_someone_elses_draft(reporter):
    with pytest.raises(PermissionDenied, match="only their own"):
        workflow.transition(ArticleFactory(), "submit", by=reporter)


@pytest.mark.parametrize("name", ["return_to_reporter", "return_translation", "withdraw"])
def test_returns_and_withdrawal_need_a_comment(editor, name):
    status = workflow.TRANSITIONS[name].sources[0]
    article = story(status)
    with pytest.raises(workflow.TransitionNotAllowed, match="needs"):
        workflow.transition(article, name, by=editor, comment="   ")
    article.refresh_from_db()
    assert article.status == status


def test_withdrawal_stores_the_public_reason_and_back_to_draft_clears_it(editor):
    article = story(Status.PUBLISHED)
    workflow.transition(article, "withdraw", by=editor, comment="The source recanted.")
    article.refresh_from_db()
    assert article.withdrawn_reason == "The source recanted."
    workflow.transition(article, "back_to_draft", by=editor)
    article.refresh_from_db()
    assert (article.status, article.withdrawn_reason) == (Status.DRAFT, "")


def test_scheduling_needs_a_future_time(editor):
    article = story(Status.APPROVED)
    with pytest.raises(workflow.TransitionNotAllowed, match="future"):
        workflow.transition(article, "schedule", by=editor, publish_at=timezone.now())


def test_unknown_transition_is_refused_with_its_name(editor):
    with pytest.raises(workflow.TransitionNotAllowed, match="fly_away"):
        workflow.transition(story(Status.DRAFT), "fly_away", by=editor)


def test_passing_a_translation_needs_source_text(translator):
    article = ArticleFactory(status=Status.TRANSLATION_REVIEW, original_language="ar")
    with pytest.raises(workflow.TransitionNotAllowed, match="original-language text"):
        workflow.transition(article, "pass_translation", by=translator)


def test_passing_review_records_who_reviewed_each_segment(translator):
    article = ArticleFactory(
        status=Status.TRANSLATION_REVIEW,
        original_language="ar",
        source_headline="عنوان",
        source_body="فقرة أولى\n\nفقرة ثانية",
    )
    workflow.transition(article, "pass_translation", by=translator)
    reviewed = article.reviewed_segments.all()
    assert {r.key for r in reviewed} >= {"headline", "body:0", "body:1"}
    assert {r.reviewed_by for r in reviewed} == {translator}


def test_a_stale_translation_blocks_publication_until_reviewed_again(editor):
    article = story(Status.APPROVED, translated=True)
    article.source_headline = "عنوان جديد"
    article.save()
    with pytest.raises(workflow.TransitionNotAllowed, match="reviewed again"):
        workflow.transition(article, "publish", by=editor)
    assert "publish" not in {t.name for t in workflow.available_transitions(article, by=editor)}
    translation.record_review(article, by=editor)
    workflow.transition(article, "publish", by=editor)
    assert article.status == Status.PUBLISHED


# Notifications


def test_entering_a_queue_emails_that_roles_people_after_commit(
    reporter, editor, django_capture_on_commit_callbacks
):
    other_editor = UserFactory(username="second-editor", role=EDITOR)
    UserFactory(username="another-reporter", role=REPORTER)
    article = story(Status.DRAFT, created_by=reporter)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(article, "submit", by=reporter)
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([editor.email, other_editor.email])
    message = mail.outbox[0]
    assert article.headline in message.subject
    assert reverse("admin:articles_article_change", args=[article.pk]) in message.body


def test_translation_review_emails_translators_and_a_return_emails_the_reporter(
    reporter, translator, editor, django_capture_on_commit_callbacks
):
    article = story(Status.EDITING, translated=True, created_by=reporter)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(article, "send_to_translation_review", by=editor)
    assert [m.to for m in mail.outbox] == [[translator.email]]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(article, "return_translation", by=translator, comment="Para 2?")
        workflow.transition(article, "return_to_reporter", by=editor, comment="Needs a source.")
    assert [m.to for m in mail.outbox] == [[editor.email], [reporter.email]]
    assert "Needs a source." in mail.outbox[1].body


def test_a_refused_move_sends_no_mail(reporter, django_capture_on_commit_callbacks):
    UserFactory(username="the-editor", role=EDITOR)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        workflow.transition(story(Status.EDITING), "approve", by=reporter)
    assert mail.outbox == []


def test_roles_exist_on_a_fresh_database():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {REPORTER, TRANSLATOR, EDITOR}


# The desk in the admin


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def transition_url(article, name) -> str:
    return reverse("admin:articles_article_transition", args=[article.pk, name])


def buttons(client, article) -> set[str]:
    response = client.get(change_url(article))
    assert response.status_code == 200
    return {t.name for t in response.context["transitions"]}


def test_change_form_shows_exactly_the_moves_the_user_may_make(client, people):
    article = story(Status.EDITING, translated=True, created_by=people["reporter"])
    client.force_login(people["editor"])
    assert buttons(client, article) == {"return_to_reporter", "send_to_translation_review"}
    html = client.get(change_url(article)).content.decode()
    # On the story form each move saves the form first: a button of the form.
    assert 'name="_move" value="send_to_translation_review"' in html
    assert 'value="approve"' not in html
    client.force_login(people["reporter"])
    assert buttons(client, article) == set()


def test_a_return_needs_its_comment_and_says_so_in_the_admin(editor_client):
    article = story(Status.EDITING)
    response = editor_client.post(
        transition_url(article, "return_to_reporter"), {"comment": ""}, follow=True
    )
    assert response.status_code == 200
    assert "needs a comment" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Status.EDITING


def test_a_button_moves_the_story_and_the_history_shows_who_and_why(editor_client, editor):
    article = story(Status.EDITING)
    response = editor_client.post(
        transition_url(article, "return_to_reporter"),
        {"comment": "Needs a second source."},
        follow=True,
    )
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    html = response.content.decode()
    assert "now draft" in html
    assert "Needs a second source." in html  # the workflow history on the change page
    assert editor.username in html


def test_a_reporter_posting_an_editors_move_gets_a_message_not_an_error(reporter_client, reporter):
    article = story(Status.EDITING, created_by=reporter)
    response = reporter_client.post(transition_url(article, "approve"), follow=True)
    assert response.status_code == 200
    assert "permission to approve" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Status.EDITING


def test_a_transition_refuses_get(editor_client):
    assert editor_client.get(transition_url(story(Status.EDITING), "approve")).status_code == 405


def test_scheduling_from_the_change_form_takes_a_local_time(editor_client):
    article = story(Status.APPROVED)
    at = timezone.localtime() + timedelta(days=2)
    editor_client.post(
        transition_url(article, "schedule"), {"publish_at": at.strftime("%Y-%m-%dT%H:%M")}
    )
    article.refresh_from_db()
    assert article.status == Status.SCHEDULED
    assert article.published_at.replace(second=0, microsecond=0) == at.replace(
        second=0, microsecond=0
    )


def test_scheduling_without_a_time_is_refused_with_a_message(editor_client):
    article = story(Status.APPROVED)
    response = editor_client.post(
        transition_url(article, "schedule"), {"publish_at": "soon"}, follow=True
    )
    assert "date and a time" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Status.APPROVED


def test_withdrawal_from_the_admin_records_the_public_reason(editor_client):
    article = story(Status.PUBLISHED)
    editor_client.post(transition_url(article, "withdraw"), {"comment": "Source recanted."})
    article.refresh_from_db()
    assert (article.status, article.withdrawn_reason) == (Status.WITHDRAWN, "Source recanted.")


def test_editor_bulk_publish_moves_what_it_can_and_names_what_it_cannot(editor_client):
    ready = [story(Status.APPROVED) for _ in range(2)]
    draft = story(Status.DRAFT, headline="Still a draft")
    response = editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [a.pk for a in [*ready, draft]]},
        follow=True,
    )
    html = response.content.decode()
    assert "2 stories moved" in html
    assert "Still a draft" in html
    assert "not possible while the story is draft" in html
    assert {a.status for a in Article.objects.filter(pk__in=[a.pk for a in ready])} == {
        Status.PUBLISHED
    }


def test_bulk_actions_are_offered_to_editors_only(client, people):
    story(Status.EDITING, created_by=people["reporter"])
    for role, offered in [("editor", True), ("reporter", False)]:
        client.force_login(people[role])
        response = client.get(reverse("admin:articles_article_changelist"))
        action_form = response.context["action_form"]
        choices = dict(action_form.fields["action"].choices) if action_form else {}
        assert ("publish_selected" in choices) is offered, role


def test_the_landing_page_lists_what_waits_for_each_role(client, people):
    mine = story(Status.DRAFT, created_by=people["reporter"], headline="My draft")
    story(Status.DRAFT, headline="Someone else's draft")
    story(Status.EDITING, headline="To edit")
    story(Status.TRANSLATION_REVIEW, translated=True, headline="To review")
    story(Status.APPROVED, headline="To publish")
    seen = {}
    for role in ROLES:
        client.force_login(people[role])
        html = client.get(reverse("admin:index")).content.decode()
        seen[role] = {
            h
            for h in ("My draft", "Someone else's draft", "To edit", "To review", "To publish")
            if h in html
        }
    assert seen["reporter"] == {"My draft"}
    assert seen["translator"] == {"To review"}
    assert seen["editor"] == {"To edit", "To review", "To publish"}
    client.force_login(people["reporter"])
    assert change_url(mine) in client.get(reverse("admin:index")).content.decode()


def test_the_landing_page_escapes_headlines(editor_client):
    story(Status.EDITING, headline="<script>alert(1)</script>")
    html = editor_client.get(reverse("admin:index")).content.decode()
    assert "<script>alert(1)</script>" not in html
