"""Public pages cost a fixed number of SQL queries, however much the archive holds."""

import pytest
from django.utils import timezone

from articles.models import Byline
from interviews.models import Exchange
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    ContributorFactory,
    ImageFactory,
    InterviewArticleFactory,
    SectionFactory,
)
from tests.helpers import queries_to_render

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]


NOW = timezone.now()


# Query counts ----------------------------------------------------------------------------------


def populate(n: int, bylines: int, tags: int, exchanges: int, section, person) -> None:
    for _ in range(n):
        article = InterviewArticleFactory(
            published=True,
            section=section,
            byline_count=bylines,
            exchange_count=exchanges,
            tags=[f"tag{j}" for j in range(tags)] + ["common"],
            lead_image=ImageFactory(),
            dek="The zanzibarite question.",
        )
        BylineFactory(
            article=article, contributor=person, role=Byline.Role.PHOTOGRAPHER, position=bylines + 1
        )
        Exchange.objects.filter(article=article).update(question="Zanzibarite?")


PAGE_URLS = [
    "/",
    "/sections/common/",
    "/tags/common/",
    "/contributors/prolific/",
    f"/archive/{NOW.year}/{NOW.month:02d}/",
    "/search/?q=zanzibarite",
    "/feeds/latest.rss",
    "/feeds/latest.atom",
    "/feeds/sections/common.rss",
    "/feeds/tags/common.atom",
    "/sitemap.xml",
    "/sitemap-articles.xml",
    "/sitemap-sections.xml",
    "/robots.txt",
]


@pytest.mark.parametrize("url", PAGE_URLS)
def test_public_page_query_count_does_not_grow_with_content(client, url):
    section = SectionFactory(name="Common")
    person = ContributorFactory(name="Prolific")
    populate(3, bylines=1, tags=3, exchanges=5, section=section, person=person)
    baseline = queries_to_render(client, url)
    populate(3, bylines=10, tags=30, exchanges=50, section=section, person=person)
    assert queries_to_render(client, url) == baseline


# A story's own pages: (factory, path under the story's address, queries). Each answers in the
# same number of queries for 1 byline or 10, 3 tags or 30, 5 exchanges or 50.
# Article and interview: the story (with section, lead image and interview), bylines with their
# contributors, tags, exchanges, corrections, and the sections of the navigation.
STORY_PAGES = {
    "article": (ArticleFactory, "", 6),
    "interview": (InterviewArticleFactory, "", 6),
    "original": (InterviewArticleFactory, "original/", None),
}


def story(factory, *, bylines: int, tags: int, exchanges: int):
    extra = {"exchange_count": exchanges} if factory is InterviewArticleFactory else {}
    return factory(
        published=True,
        byline_count=bylines,
        tags=[f"t{n}" for n in range(tags)],
        section=SectionFactory(),
        lead_image=ImageFactory(),
        original_language="ar",
        source_headline="عنوان",
        source_body="فقرة",
        **extra,
    )


@pytest.mark.parametrize("page", STORY_PAGES)
def test_a_story_page_query_count_is_fixed_however_many_bylines_tags_and_exchanges(client, page):
    factory, path, expected = STORY_PAGES[page]
    small = story(factory, bylines=1, tags=3, exchanges=5)
    large = story(factory, bylines=10, tags=30, exchanges=50)
    counted = queries_to_render(client, small.get_absolute_url() + path)
    assert queries_to_render(client, large.get_absolute_url() + path) == counted
    if expected is not None:
        assert counted == expected
