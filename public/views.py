"""The public site's pages: thin views over ArticleQuerySet (home, stories, listings, search,
robots.txt)."""

import calendar
from datetime import datetime

from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.utils import timezone, translation
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_sameorigin

from articles import body_media
from articles.models import Article, ArticleQuerySet, Byline, Contributor, Section, all_tags
from articles.search import search_articles
from articles.site_address import site_url

from .caching import public_page
from .editions import edition_for, edition_sections
from .pagination import counted_page, listing_page

PAGE_SIZE = 20


def gone(request: HttpRequest, slug: str) -> HttpResponse | None:
    """410 Gone with the public reason, if `slug` is a withdrawn story; otherwise None."""
    withdrawn = (
        Article.objects.filter(slug=slug, status=Article.Status.WITHDRAWN)
        # An embargoed story says nothing before its time, not even its headline on a 410.
        .filter(Q(embargo_until__isnull=True) | Q(embargo_until__lte=timezone.now()))
        .only("headline", "withdrawn_reason", "slug")
        .first()
    )
    if withdrawn is None:
        return None
    return render(request, "410.html", {"article": withdrawn}, status=410)


def story_page_queryset() -> ArticleQuerySet:
    """Published stories with everything their page shows, corrections included."""
    return Article.objects.published().for_page().prefetch_related("corrections")


@public_page
def article_detail(request, slug: str):
    """A published story. Withdrawn answers 410 with its reason; any other state 404, so that
    unpublished slugs cannot be discovered."""
    article = story_page_queryset().filter(slug=slug).first()
    if article is None:
        response = gone(request, slug)
        if response is not None:
            return response
        raise Http404("No such story.")
    if article.is_interview:
        template = "interviews/interview_detail.html"
    else:
        template = "articles/article_detail.html"
    return render(request, template, {"article": article})


@public_page
def article_original(request, slug: str):
    """The original-language text of a published translated story, with lang and dir set."""
    article = story_page_queryset().filter(slug=slug).first()
    if article is None:
        response = gone(request, slug)
        if response is not None:
            return response
        raise Http404("No such story.")
    if not article.has_original_text:
        raise Http404("This story has no original-language text.")
    context = {"article": article, "base_template": "base.html"}
    edition = edition_for(article.original_language)
    if edition is None:  # a language since taken out of ORIGINAL_LANGUAGES: no edition to show
        return render(request, "articles/article_original.html", context)
    # The page is part of its language's edition: its furniture, and Django's dates, in it.
    context |= {
        "base_template": "edition/base.html",
        "edition": edition,
        "edition_sections": edition_sections(edition),
        "english_url": article.get_absolute_url(),
    }
    with translation.override(edition.code):
        response = render(request, "articles/article_original.html", context)
    response["Content-Language"] = edition.code
    return response


@public_page
def section_detail(request, slug: str):
    """A section's published stories. Every section has its page, even with none yet: sections
    are the newsroom's own navigation, listed on every page, not names anyone could guess."""
    section = get_object_or_404(Section, slug=slug)
    articles = (
        Article.objects.published()
        .filter(section=section)
        .for_listing()
        .without_text()
        .newest_first()
    )
    context = {"section": section, "page": listing_page(request, articles, PAGE_SIZE)}
    return render(request, "articles/section_detail.html", context)


@public_page
def tag_detail(request, slug: str):
    """Published stories with a tag. A tag on no published story is not found, like one that
    never existed (TagQuerySet.public())."""
    tag = get_object_or_404(all_tags().public(), slug=slug)
    articles = (
        Article.objects.published()
        .filter(tags__slug=slug)
        .for_listing()
        .without_text()
        .newest_first()
    )
    context = {"tag": tag, "page": listing_page(request, articles, PAGE_SIZE)}
    return render(request, "articles/tag_detail.html", context)


@public_page
def contributor_detail(request, slug: str):
    """A contributor's bio and photo, and their published stories grouped by the role they had.

    Someone credited on no published story is not found, like a name that never existed
    (ContributorQuerySet.public())."""
    contributor = get_object_or_404(Contributor.objects.public().select_related("photo"), slug=slug)
    credits = (
        Byline.objects.filter(contributor=contributor, article__in=Article.objects.published())
        .select_related("article", "article__section")
        .defer(*(f"article__{name}" for name in Article.LONG_TEXT_FIELDS))
        .order_by("role", "-article__published_at", "-article__pk")
    )
    return render(
        request,
        "articles/contributor_detail.html",
        {"contributor": contributor, "page": listing_page(request, credits, 50)},
    )


@public_page
def archive_month(request, year: int, month: int):
    """Stories published in one calendar month (site time zone), with the months that have any."""
    if not 1 <= month <= 12 or not 1900 <= year <= 9998:  # the month after must exist too
        raise Http404("No such month.")
    zone = timezone.get_current_timezone()
    start = datetime(year, month, 1, tzinfo=zone)
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    end = datetime(next_year, next_month, 1, tzinfo=zone)
    articles = (
        Article.objects.published()
        .filter(published_at__gte=start, published_at__lt=end)
        .for_listing()
        .without_text()
        .newest_first()
    )
    months = Article.objects.published().months()
    return render(
        request,
        "articles/archive_month.html",
        {
            "month_start": start,
            "month_name": calendar.month_name[month],
            "year": year,
            "page": listing_page(request, articles, PAGE_SIZE),
            "months": months,
        },
    )


LATEST_COUNT = 12
STORIES_PER_SECTION = 3


@public_page
def home(request):
    """The lead story, the latest after it, and the newest few of each section."""
    newest = Article.objects.published().for_listing().without_text().newest_first()
    latest = list(newest[: LATEST_COUNT + 1])
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
    live = Article.objects.published().newest_first()
    # One UNION ALL of small LIMIT subqueries, each a probe of the live-stories-per-section index,
    # then the few stories by primary key. Each subquery is wrapped in a SELECT of its own, which
    # is how SQLite allows a LIMIT inside a UNION (an OR of IN subqueries made it read every story:
    # a second at 10,000).
    parts = [
        live.filter(section=section).values("pk")[:STORIES_PER_SECTION].query.sql_with_params()
        for section in sections
    ]
    union = " UNION ALL ".join(
        f"SELECT * FROM ({sql}) AS newest_{number}" for number, (sql, _) in enumerate(parts)
    )
    newest = Q(pk__in=RawSQL(union, [param for _, params in parts for param in params]))
    stories = (
        Article.objects.filter(newest).select_related("section", "lead_image").without_text()
    ).newest_first()
    by_section: dict[int | None, list[Article]] = {}
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
        {"query": query, "page": page},
    )


@public_page
def robots_txt(request):
    return HttpResponse(
        loader.render_to_string("robots.txt", {"SITE_URL": site_url()}),
        content_type="text/plain; charset=utf-8",
    )


@xframe_options_sameorigin
@cache_control(public=True, max_age=86400)
def embed_player(request, provider: str, item: str):
    """The player of one embedded item, framed by a story page once the reader asks for it.

    The story pages' policy allows no third party's frame; this small page's alone allows the
    one provider's player (and lets only this site frame it). It names nothing of a story, so
    any valid provider and id answer the same page, and anything else 404.
    """
    embed = body_media.embed_stored(provider, item)
    if embed is None:
        raise Http404("No such item.")
    response = render(request, "articles/embed_player.html", {"embed": embed})
    # The per-response policy changes django-csp reads (what its decorators set).
    setattr(response, "_csp_update", {"frame-src": [embed.provider.player_origin]})  # noqa: B010
    setattr(response, "_csp_replace", {"frame-ancestors": ["'self'"]})  # noqa: B010
    return response
