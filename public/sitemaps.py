"""The sitemaps: /sitemap.xml is an index of /sitemap-home.xml, /sitemap-sections.xml, the
pages of /sitemap-articles.xml (?p=2, ?p=3...), which name every published story once, with
Google News tags on those of the last two days, /sitemap-editions.xml (the original-language
editions' pages) and the pages of /sitemap-originals.xml (the stories' original-language pages).
A translated story's two pages name each other as hreflang alternates in both."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from articles.models import ORIGINAL_TEXT_GIVEN, Article, Section
from articles.site_address import site_url
from articles.text import clean_text

from .pagination import MAX_PAGE, ListingPage

# Google News reads only stories published in the last two days.
NEWS_WINDOW = timedelta(days=2)
# Google News reads at most 1,000 URLs of a news sitemap. Stories go newest first, so the news
# tags sit on the first page (and the next, when two days bring more than 1,000 stories).
STORIES_PER_PAGE = 1000


def on_site_url(url: str) -> str:
    """`url` on SITE_URL's scheme and host, where the pages' canonical links are."""
    site = urlsplit(site_url())
    return urlsplit(url)._replace(scheme=site.scheme or "https", netloc=site.netloc).geturl()


class SiteSitemap(Sitemap):
    """URLs on SITE_URL's scheme and host, the same as the pages' canonical links."""

    def get_domain(self, site=None) -> str:
        return urlsplit(site_url()).netloc

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(site_url()).scheme or "https"


class UncountedPaginator:
    """Pages of a sitemap's stories that do not count them all.

    Django's Paginator counts every published story for every page it serves, and its deep pages
    make the database read and sort every full row before them. Here a page picks its rows by id
    first, a narrow walk of the live-stories index (articles.pagination.ListingPage), and a page
    past the last is empty, hence a 404. Only the index, which lists every page, counts.
    """

    def __init__(self, queryset: QuerySet, per_page: int) -> None:
        self.queryset = queryset
        self.per_page = per_page

    @cached_property
    def count(self) -> int:
        return self.queryset.count()

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    def page(self, number) -> ListingPage:
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        # Past MAX_PAGE the OFFSET alone would walk the whole index (or overflow it).
        if not 1 <= number <= MAX_PAGE:
            raise EmptyPage("That page contains no results")
        page = ListingPage(self.queryset, number, self.per_page)
        if not page.object_list and number > 1:
            raise EmptyPage("That page contains no results")
        return page


def language_alternates(sitemap: Sitemap, item: Article) -> list[dict[str, str]]:
    """A translated story's English page and its original page, each naming the other (and the
    English one as the default): the <xhtml:link rel="alternate" hreflang> of both their <url>
    entries, as the pages' own <link rel="alternate"> say (includes/language_alternates.html).
    The story must have an original page (Article.has_original_text)."""
    base = f"{sitemap.get_protocol()}://{sitemap.get_domain()}"
    english = base + item.get_absolute_url()
    return [
        {"lang_code": "en", "location": english},
        {"lang_code": item.original_language, "location": base + item.original_url},
        {"lang_code": "x-default", "location": english},
    ]


class ArticleSitemap(SiteSitemap):
    changefreq = "daily"
    limit = STORIES_PER_PAGE

    def items(self):
        # Only what a <url> entry shows: the long texts stay in the database.
        return (
            Article.objects.published()
            .newest_first()
            .only("slug", "headline", "published_at", "updated_at", "original_language")
        )

    def with_original_pages(self, items: list[Article]) -> set[int]:
        """Which of a page's stories have an original page: one query by primary key for the
        translated ones among them, if any (the page's own query reads no long text)."""
        translated = [item.pk for item in items if item.original_language]
        if not translated:
            return set()
        found = Article.objects.filter(ORIGINAL_TEXT_GIVEN, pk__in=translated)
        return set(found.values_list("pk", flat=True))

    @property
    def paginator(self) -> UncountedPaginator:  # type: ignore[override]  # Sitemap needs only .page() and .num_pages
        return UncountedPaginator(self.items(), self.limit)

    def location(self, item: Article) -> str:
        return item.get_absolute_url()

    def lastmod(self, item: Article):
        return item.updated_at

    def get_latest_lastmod(self):
        """None: the index names no date for these pages.

        Django's index gives every page of a sitemap the same date, the newest of all its items
        (which it finds by loading every story): page 90, stories from years ago, would then
        claim to have changed today, and search engines ignore dates that prove wrong. Each
        <url> inside the pages carries its own story's date.
        """
        return

    def get_urls(self, *args, **kwargs):
        """Each URL also says whether it belongs in the Google News part of the sitemap, and
        with what title: the headline cleaned for XML (articles.text), whatever is stored."""
        urls = super().get_urls(*args, **kwargs)
        since = timezone.now() - NEWS_WINDOW
        originals = self.with_original_pages([url["item"] for url in urls])
        for url in urls:
            if url["item"].pk in originals:
                url["alternates"] = language_alternates(self, url["item"])
            url["is_news"] = url["item"].published_at >= since
            if url["is_news"]:
                url["news_title"] = clean_text(url["item"].headline, one_line=True)
        return urls


class OriginalSitemap(ArticleSitemap):
    """The original-language pages of the published translated stories, newest first, each
    with its English page as an alternate."""

    def items(self):
        return super().items().filter(ORIGINAL_TEXT_GIVEN)

    def location(self, item: Article) -> str:
        return item.original_url

    def get_urls(self, *args, **kwargs):
        urls = Sitemap.get_urls(self, *args, **kwargs)  # no Google News tags: English only
        for url in urls:
            url["alternates"] = language_alternates(self, url["item"])
        return urls


class EditionSitemap(SiteSitemap):
    """The original-language editions' home and section pages (public/editions.py), of the
    languages with a published original (one query)."""

    changefreq = "hourly"

    def items(self) -> list[str]:
        pairs = set(
            Article.objects.published()
            .filter(ORIGINAL_TEXT_GIVEN, original_language__in=settings.ORIGINAL_LANGUAGES)
            .order_by()
            .values_list("original_language", "section__slug")
            .distinct()
        )
        paths = []
        for code in settings.ORIGINAL_LANGUAGES:
            slugs = sorted(slug for language, slug in pairs if language == code and slug)
            if any(language == code for language, _ in pairs):
                paths.append(f"/{code}/")
                paths += [f"/{code}/sections/{slug}/" for slug in slugs]
        return paths

    def location(self, item: str) -> str:
        return item


class SectionSitemap(SiteSitemap):
    changefreq = "hourly"

    def items(self):
        return Section.objects.all()

    def location(self, item: Section) -> str:
        return reverse("articles:section", args=[item.slug])


class HomeSitemap(SiteSitemap):
    """The home page, and the site's own pages that list the stories (/corrections/)."""

    changefreq = "always"

    def items(self):
        return ["home", "articles:corrections"]

    def priority(self, item: str) -> float:
        return 1.0 if item == "home" else 0.3

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS = {
    "home": HomeSitemap,
    "sections": SectionSitemap,
    "articles": ArticleSitemap,
    "editions": EditionSitemap,
    "originals": OriginalSitemap,
}


def sitemap_index(request, sitemaps, **kwargs):
    """/sitemap.xml: Django's sitemap index, naming each sitemap page on SITE_URL.

    Django builds the index's links on the host the request came in on; the sitemaps themselves
    and every canonical link are on SITE_URL, and a crawler should meet one host only.
    """
    response = sitemap_views.index(request, sitemaps, **kwargs)
    for entry in (response.context_data or {})["sitemaps"]:
        entry.location = on_site_url(entry.location)
    return response


def sitemap_section(request, sitemaps, section, **kwargs):
    """/sitemap-<section>.xml?p=N: one page of one of the sitemaps, by Django's sitemap view.

    Django dates a page by its newest item; public_page dates it, like every public page, by the
    site version, which is what its conditional GET compares If-Modified-Since with. Leaving
    Django's date would have a crawler's every revisit answered in full rather than with a 304.
    """
    response = sitemap_views.sitemap(request, sitemaps, section=section, **kwargs)
    del response["Last-Modified"]
    return response
