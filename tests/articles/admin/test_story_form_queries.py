"""The desk's story form and story list cost a fixed number of SQL queries, however many
credits, exchanges or stories there are: nothing on them queries once per row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from tests.articles.admin.forms import CHANGELIST, change_url
from tests.factories import ArticleFactory, InterviewArticleFactory

pytestmark = pytest.mark.django_db


def queries_of(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def story(bylines: int, exchanges: int, **fields) -> Article:
    return InterviewArticleFactory(byline_count=bylines, exchange_count=exchanges, **fields)


# Each role, on a story they may change: an editor on any story, a reporter on their own draft,
# a translator on a story in translation review.
ROLES = {
    "editor": lambda request: {},
    "reporter": lambda request: {"created_by": request.getfixturevalue("reporter")},
    "translator": lambda request: {
        "status": Article.Status.TRANSLATION_REVIEW,
        "original_language": "ar",
        "source_headline": "عنوان",
    },
}

# The queries of the story form, whatever the number of credits and exchanges. The session,
# the user, their second factor and their permissions (5); the story with its credits and tags
# (3); the checklist, the autosave, the visibility; each inline's rows; the section; the status
# history; the story's open preview links with their openings (for those who may share it). A
# translator's form also reads what was reviewed of the translation, whether they are credited
# on the story (who may share a preview), and the story's corrections, for their
# original-language text.
FORM_QUERIES = {"editor": 21, "reporter": 22, "translator": 25}
LIST_QUERIES = 10


def form_queries(client, article) -> int:
    client.get(change_url(article))  # the caches a running site has warm (content types...)
    return len(queries_of(client, change_url(article)))


@pytest.mark.parametrize("role", ROLES)
def test_the_story_form_costs_the_same_queries_with_1_or_10_credits_and_1_or_30_exchanges(
    role, request
):
    client = request.getfixturevalue(f"{role}_client")
    small = story(bylines=1, exchanges=1, **ROLES[role](request))
    big = story(bylines=10, exchanges=30, **ROLES[role](request))
    assert form_queries(client, small) == FORM_QUERIES[role]
    assert form_queries(client, big) == FORM_QUERIES[role]


def test_the_story_form_shows_each_credit_chosen_without_asking_for_it(editor_client):
    article = story(bylines=3, exchanges=0)
    html = editor_client.get(change_url(article)).content.decode()
    for byline in article.bylines.select_related("contributor"):
        contributor = byline.contributor
        assert f'<option value="{contributor.pk}" selected>{contributor.name}</option>' in html


def test_the_story_list_costs_the_same_queries_with_10_or_50_stories(editor_client):
    ArticleFactory.create_batch(10, byline_count=2, tags=["truce"])
    editor_client.get(CHANGELIST)
    assert len(queries_of(editor_client, CHANGELIST)) == LIST_QUERIES
    ArticleFactory.create_batch(40, byline_count=2, tags=["truce", "aid"])
    assert len(queries_of(editor_client, CHANGELIST)) == LIST_QUERIES


def test_a_reporter_gets_no_form_for_a_story_that_is_not_theirs(reporter_client, editor):
    # The remembered answers change nothing of who may open what.
    article = story(bylines=10, exchanges=30, created_by=editor)
    assert reporter_client.get(change_url(article)).status_code == 302


def test_a_translator_gets_no_form_for_a_draft(translator_client):
    article = story(bylines=10, exchanges=30, original_language="ar")
    assert translator_client.get(change_url(article)).status_code == 302
