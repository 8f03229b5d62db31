"""Public pages cost a fixed number of SQL queries, however much the archive holds."""

import pytest
from django.utils import timezone

from articles.models import Byline
from interviews.models import Exchange
from tests.factories import (
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


def test_original_page_query_count_is_fixed(client):
    small = InterviewArticleFactory(
        published=True,
        byline_count=1,
        exchange_count=5,
        original_language="ar",
        source_headline="عنوان",
        source_body="فقرة",
    )
    large = InterviewArticleFactory(
        published=True,
        byline_count=10,
        exchange_count=50,
        original_language="ar",
        source_headline="عنوان",
        source_body="فقرة",
        tags=[f"t{n}" for n in range(30)],
    )
    assert queries_to_render(client, f"/articles/{small.slug}/original/") == queries_to_render(
        client, f"/articles/{large.slug}/original/"
    )
