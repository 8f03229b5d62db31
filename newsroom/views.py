"""Site-wide views: home, search, robots.txt, the 500 page and the health check."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache

from articles.caching import public_page
from articles.models import Article, Section
from articles.pagination import counted_page
from articles.search import RANKED_MATCHES, search_articles
from articles.views import PAGE_SIZE

LATEST_COUNT = 12
STORIES_PER_SECTION = 3


@public_page
def home(request):
    """The lead story, the latest after it, and the newest few of each section."""
    latest = Article.objects.published().for_listing().without_text().latest()
    latest = list(latest[: LATEST_COUNT + 1])
    return render(
        request,
        "home.html",
        {
            "lead": latest[0] if latest else None,
            "latest": latest[1:],
            "section_groups": section_groups(),
        },
    )


def section_groups() -> list[tuple[Section, list[Article]]]:
    """Each section with its newest published stories, in two queries whatever their number.

    Every section's newest few come from the live-stories-per-section index, one small LIMIT
    subquery a section, so a section whose last story is a year old still has its place.
    """
    sections = list(Section.objects.all())
    if not sections:
        return []
    live = Article.objects.published().latest()
    per_section = [
        live.filter(section=section).values("pk")[:STORIES_PER_SECTION] for section in sections
    ]
    if connection.features.supports_slicing_ordering_in_compound:
        # PostgreSQL: one UNION ALL of index probes, then the few stories by primary key.
        newest = Q(pk__in=per_section[0].union(*per_section[1:], all=True))
    else:
        # SQLite allows no LIMIT inside a UNION; its archives are small enough to scan.
        newest = Q(pk__in=[])
        for ids in per_section:
            newest |= Q(pk__in=ids)
    stories = (
        Article.objects.filter(newest).select_related("section", "lead_image").without_text()
    ).latest()
    by_section: dict[int, list[Article]] = {}
    for article in stories:
        by_section.setdefault(article.section_id, []).append(article)
    return [(section, by_section[section.pk]) for section in sections if section.pk in by_section]


@public_page
def search(request):
    """Full-text search of published stories; an empty query shows the form alone."""
    query = request.GET.get("q", "").strip()[:200]
    page = counted_page(request, search_articles(query), PAGE_SIZE) if query else None
    return render(
        request,
        "search.html",
        {"query": query, "page": page, "ranked_matches": RANKED_MATCHES},
    )


@public_page
def robots_txt(request):
    return HttpResponse(
        loader.render_to_string("robots.txt", {"SITE_URL": settings.SITE_URL}),
        content_type="text/plain; charset=utf-8",
    )


def server_error(request):
    """The 500 page in the site's design, rendered without the database (which may be down)."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"SITE_NAME": settings.SITE_NAME}))


@never_cache
def healthz(request):
    """200 when the database and the cache answer; 503 naming what failed, without internals."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unavailable"
    try:
        cache.set("healthz", "ok", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "ok" else "unavailable"
    except Exception:
        checks["cache"] = "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
