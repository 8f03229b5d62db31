"""The story list in the admin: query counts, credits and tags, search and filters."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Byline
from tests.articles.admin.forms import CHANGELIST, PASTE
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    ContributorFactory,
    InterviewArticleFactory,
    SectionFactory,
)
from tests.helpers import queries_to_render

pytestmark = pytest.mark.django_db


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
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1


def test_the_story_list_lists_no_tags_or_contributors_to_pick_from(editor_client):
    ArticleFactory.create_batch(3, byline_count=2, tags=["a", "b", "c"])
    with CaptureQueriesContext(connection) as captured:
        editor_client.get(CHANGELIST)
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    # The rows' own tags and bylines are prefetched; no list of every tag or contributor.
    assert 'FROM "taggit_tag" WHERE' not in sql
    assert 'FROM "articles_contributor" WHERE' not in sql
