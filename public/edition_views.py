"""The original-language editions' pages (public/editions.py): home, section, search.

Each renders under translation.override(the edition's language), so that Django writes its
dates (month names) in that language, and goes through the page cache like every public page.
"""

from django.http import Http404
from django.shortcuts import render
from django.utils import translation

from articles.search import search_originals

from .caching import public_page
from .editions import Edition, offered, open_edition
from .pagination import counted_page, listing_page

PAGE_SIZE = 20


def edition_listing(edition: Edition):
    """An edition's stories as its cards show them: newest first, with their section, without
    the texts a card does not show (the original headline and standfirst it does)."""
    return (
        offered(edition)
        .select_related("section")
        .defer("body", "source_body", "search_vector")
        .newest_first()
    )


def render_edition(request, edition: Edition, template: str, context: dict):
    with translation.override(edition.code):
        response = render(request, template, {"edition": edition, **context})
    response["Content-Language"] = edition.code
    return response


@public_page
def edition_home(request, language: str):
    """The newest stories offered in the edition's language, a page at a time."""
    edition, sections = open_edition(language)
    page = listing_page(request, edition_listing(edition), PAGE_SIZE)
    return render_edition(
        request, edition, "edition/home.html", {"edition_sections": sections, "page": page}
    )


@public_page
def edition_section(request, language: str, slug: str):
    """A section's stories in the edition; 404 for a section with none in its language."""
    edition, sections = open_edition(language)
    section = next((section for section in sections if section.slug == slug), None)
    if section is None:
        raise Http404("No such section in this edition.")
    stories = edition_listing(edition).filter(section=section)
    return render_edition(
        request,
        edition,
        "edition/section.html",
        {
            "edition_sections": sections,
            "section": section,
            "page": listing_page(request, stories, PAGE_SIZE),
        },
    )


@public_page
def edition_search(request, language: str):
    """Full-text search of the edition's original texts; an empty query shows the form alone."""
    edition, sections = open_edition(language)
    query = request.GET.get("q", "").strip()[:200]
    page = (
        counted_page(request, search_originals(query, edition.code), PAGE_SIZE) if query else None
    )
    return render_edition(
        request,
        edition,
        "edition/search.html",
        {"edition_sections": sections, "query": query, "page": page},
    )
