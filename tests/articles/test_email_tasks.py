"""The desk's emails are background tasks (articles/outbox.py): a workflow move only enqueues
them, and the worker (`manage.py db_worker`) sends them through the mail server. While the mail
server is away they wait and are retried, so every notification arrives once it is back, and
none twice, even when the server took some of a task's messages before failing."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import outbox, workflow
from articles.models import Article, SentEmail
from articles.notifications import story_entered_queue
from articles.roles import EDITOR
from tests.factories import ArticleFactory, UserFactory
from tests.mailserver import MailServer

pytestmark = pytest.mark.django_db(transaction=True)
Status = Article.Status


@pytest.fixture
def mail_server(settings):
    """A running SMTP server the site sends to, with tasks kept in the database for a worker."""
    server = MailServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    server.start()
    yield server
    server.stop()


def run_worker() -> None:
    """What `manage.py db_worker` does, until nothing is due."""
    call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)


def retries_come_due() -> None:
    """The time to the retries passes."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def waiting() -> int:
    return DBTaskResult.objects.filter(status="READY").count()


def test_a_move_only_enqueues_its_email_and_the_worker_sends_it(mail_server, reporter, editor):
    article = ArticleFactory(headline="Bakeries reopen", created_by=reporter)
    workflow.transition(article, "submit", by=reporter)
    assert mail_server.received == []  # the reporter's request did not wait for it
    assert waiting() == 1
    run_worker()
    assert mail_server.to(editor.email) == ["[Newsroom] Stories to edit: Bakeries reopen"]
    assert waiting() == 0


def test_every_notification_arrives_once_the_mail_server_is_back_and_none_twice(
    mail_server, reporter, editor
):
    other_editor = UserFactory(username="other-editor", role=EDITOR)
    mail_server.stop()
    submitted = ArticleFactory(headline="Water returns to Raqqa", created_by=reporter)
    workflow.transition(submitted, "submit", by=reporter)
    returned = ArticleFactory(
        headline="Ovens lit again", status=Status.EDITING, created_by=reporter
    )
    workflow.transition(returned, "return_to_reporter", by=editor, comment="A second source?")
    published = ArticleFactory(headline="Schools open", status=Status.APPROVED, created_by=reporter)
    workflow.transition(published, "publish", by=editor)

    run_worker()  # the server is away: every task fails and is put back for later
    assert mail_server.received == []
    assert waiting() == 3
    assert not DBTaskResult.objects.ready().exists()  # later, not at once
    assert not SentEmail.objects.exists()

    mail_server.start()
    retries_come_due()
    run_worker()
    retries_come_due()
    run_worker()  # nothing owed is sent again

    assert sorted(mail_server.to(reporter.email)) == [
        "[Newsroom] Published: Schools open",
        "[Newsroom] Returned to you: Ovens lit again",
    ]
    for person in (editor, other_editor):
        assert mail_server.to(person.email) == [
            "[Newsroom] Stories to edit: Water returns to Raqqa"
        ]
    assert len(mail_server.received) == 4
    assert waiting() == 0


def test_a_retry_after_a_partial_failure_sends_only_the_messages_still_owed(
    mail_server, reporter, editor
):
    other_editor = UserFactory(username="other-editor", role=EDITOR)
    mail_server.refuse_once.add(other_editor.email)
    article = ArticleFactory(headline="Bread prices", created_by=reporter)
    workflow.transition(article, "submit", by=reporter)

    run_worker()
    assert mail_server.to(editor.email) == ["[Newsroom] Stories to edit: Bread prices"]
    assert mail_server.to(other_editor.email) == []
    assert waiting() == 1

    retries_come_due()
    run_worker()
    assert mail_server.to(editor.email) == ["[Newsroom] Stories to edit: Bread prices"]
    assert mail_server.to(other_editor.email) == ["[Newsroom] Stories to edit: Bread prices"]
    assert waiting() == 0


def test_retries_wait_longer_each_time_and_stop_after_the_last_attempt(
    mail_server, reporter, editor
):
    delays = [outbox.delay_after(attempt) for attempt in range(1, outbox.MAX_ATTEMPTS)]
    assert delays == sorted(delays)
    assert delays[0] == outbox.FIRST_DELAY
    assert max(delays) == outbox.LONGEST_DELAY
    article = ArticleFactory(headline="Bread prices", created_by=reporter)
    change = workflow.transition(article, "submit", by=reporter)
    DBTaskResult.objects.all().delete()
    mail_server.stop()
    assert story_entered_queue.call(change.pk, attempt=outbox.MAX_ATTEMPTS) == 0
    assert waiting() == 0  # given up: logged, not enqueued again


def test_with_tasks_run_at_once_a_move_still_sends_its_email(settings, reporter, editor):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    article = ArticleFactory(headline="Bakeries reopen", created_by=reporter)
    workflow.transition(article, "submit", by=reporter)
    (message,) = mail.outbox
    assert message.to == [editor.email]
    assert SentEmail.objects.filter(key__endswith=editor.email).count() == 1
