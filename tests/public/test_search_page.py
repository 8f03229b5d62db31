"""The public search page when nothing matches: it says so and suggests what to try, in a fixed
number of queries however many sections the site has."""

import pytest

from tests.factories import ArticleFactory, SectionFactory
from tests.helpers import queries_to_render

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]
NOTHING = "/search/?q=zanzibarite"


def test_a_search_with_no_results_says_nothing_matched_and_what_to_try(client):
    SectionFactory(name="Syria")
    ArticleFactory(published=True, headline="Bread in Yalda")
    html = client.get(NOTHING).content.decode()
    assert "Nothing matched “zanzibarite”." in html
    assert "fewer words" in html
    assert 'href="/sections/syria/"' in html
    assert 'href="/"' in html


def test_what_was_searched_for_is_shown_escaped(client):
    html = client.get("/search/?q=<script>x</script>").content.decode()
    assert "Nothing matched “&lt;script&gt;x&lt;/script&gt;”." in html
    assert "<script>x</script>" not in html


def test_the_empty_search_form_suggests_nothing(client):
    assert "Nothing matched" not in client.get("/search/").content.decode()


def test_the_no_results_page_costs_a_fixed_number_of_queries(client):
    SectionFactory(name="Syria")
    few = queries_to_render(client, NOTHING)
    for name in ("Iraq", "Lebanon", "Turkey", "Jordan"):
        SectionFactory(name=name)
    ArticleFactory.create_batch(5, published=True)
    # the sections (navigation and suggestions: one query), the search
    assert queries_to_render(client, NOTHING) == few == 2
