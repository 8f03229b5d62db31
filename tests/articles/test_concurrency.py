"""Workflow moves under real concurrency: separate connections, released at the same instant.

Each story must end in one valid state with exactly one audit row per move, on SQLite (the
conditional UPDATE, with the write lock taken at BEGIN) and PostgreSQL (row locks) alike.
"""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from articles import workflow
from articles.models import Article, StatusChange
from articles.roles import EDITOR
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def race(*moves) -> list[str]:
    """Run each move in its own thread and connection, all released together; their outcomes."""
    barrier = threading.Barrier(len(moves))
    outcomes: list[str] = [""] * len(moves)

    def run(index, move):
        try:
            barrier.wait(timeout=10)
            move()
            outcomes[index] = "moved"
        except (workflow.TransitionNotAllowed, PermissionDenied):
            outcomes[index] = "refused"
        except Exception as error:  # anything else is a failure the test must show
            outcomes[index] = f"error: {type(error).__name__}: {error}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, m)) for i, m in enumerate(moves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def fresh(article: Article) -> Article:
    return Article.objects.get(pk=article.pk)


def test_two_editors_pressing_publish_together_make_one_move(editor):
    other = UserFactory(username="second-editor", role=EDITOR)
    article = ArticleFactory(status=Article.Status.APPROVED)
    outcomes = race(
        lambda: workflow.transition(fresh(article), "publish", by=editor),
        lambda: workflow.transition(fresh(article), "publish", by=other),
    )
    assert sorted(outcomes) == ["moved", "refused"]
    assert fresh(article).status == Article.Status.PUBLISHED
    assert StatusChange.objects.filter(article=article).count() == 1


def test_conflicting_moves_from_one_state_leave_one_of_them(editor):
    other = UserFactory(username="second-editor", role=EDITOR)
    article = ArticleFactory(status=Article.Status.EDITING)
    outcomes = race(
        lambda: workflow.transition(fresh(article), "approve", by=editor),
        lambda: workflow.transition(
            fresh(article), "return_to_reporter", by=other, comment="Needs a second source."
        ),
    )
    assert sorted(outcomes) == ["moved", "refused"]
    changes = list(StatusChange.objects.filter(article=article))
    assert len(changes) == 1
    assert fresh(article).status == changes[0].to_status


def test_many_stories_moved_by_many_editors_keep_one_audit_row_per_move(editor):
    others = [UserFactory(username=f"editor-{n}", role=EDITOR) for n in range(3)]
    articles = [ArticleFactory(status=Article.Status.APPROVED) for _ in range(4)]
    moves = [
        (lambda a=a, u=u: workflow.transition(fresh(a), "publish", by=u))
        for a in articles
        for u in [editor, *others]
    ]
    outcomes = race(*moves)
    assert outcomes.count("moved") == len(articles)
    assert outcomes.count("refused") == len(moves) - len(articles)
    for article in articles:
        assert fresh(article).status == Article.Status.PUBLISHED
        assert StatusChange.objects.filter(article=article).count() == 1


def test_two_schedulers_publishing_due_stories_at_once_publish_each_once():
    from django.utils import timezone

    past = timezone.now() - timezone.timedelta(minutes=5)
    due = [ArticleFactory(status=Article.Status.SCHEDULED, published_at=past) for _ in range(5)]
    outcomes = race(workflow.publish_due, workflow.publish_due, workflow.publish_due)
    assert outcomes == ["moved"] * 3
    for article in due:
        assert fresh(article).status == Article.Status.PUBLISHED
        assert StatusChange.objects.filter(article=article).count() == 1


@pytest.mark.parametrize("attempt", range(4))
def test_an_edit_racing_a_transition_keeps_both_the_edit_and_the_move(editor, attempt):
    """An editor's form was loaded before a colleague published: saving it must not undo that."""
    other = UserFactory(username="second-editor", role=EDITOR)
    # A publication time already set, as editors do for embargoed stories: the stale save then
    # carries the same time, and only the state is at stake.
    article = ArticleFactory(
        status=Article.Status.APPROVED, headline="Before", published_at=timezone.now()
    )
    loaded = threading.Barrier(2)

    def edit():
        opened = fresh(article)  # the story as the editor's form loaded it: still approved
        loaded.wait(timeout=10)
        opened.headline = "After"
        opened.save()

    def publish():
        loaded.wait(timeout=10)
        workflow.transition(fresh(article), "publish", by=other)

    assert race(edit, publish) == ["moved", "moved"]
    final = fresh(article)
    assert final.headline == "After"
    assert final.status == Article.Status.PUBLISHED
    assert [c.to_status for c in StatusChange.objects.filter(article=article)] == ["published"]


def test_a_form_opened_before_a_move_is_refused_naming_who_moved_it(editor, editor_client):
    from tests.articles.admin.forms import change_url, story_form

    other = UserFactory(username="hala", first_name="Hala", last_name="Nasser", role=EDITOR)
    article = ArticleFactory(status=Article.Status.APPROVED)
    opened = fresh(article)  # the editor's form, loaded now
    workflow.transition(fresh(article), "publish", by=other)
    response = editor_client.post(change_url(article), story_form(opened, dek="Too late."))
    assert response.status_code == 200
    assert "Hala Nasser published this story at" in response.content.decode()
    final = fresh(article)
    assert (final.status, final.dek) == (Article.Status.PUBLISHED, opened.dek)
