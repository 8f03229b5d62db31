"""sitemap.xml: every published story (with Google News tags for the last two days), the
sections, and the home page."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils import timezone

from .models import Article, Section

# Google News reads only stories published in the last two days.
NEWS_WINDOW = timedelta(days=2)


class SiteSitemap(Sitemap):
    """URLs on SITE_URL's scheme and host, the same as the pages' canonical links."""

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(settings.SITE_URL).scheme or "https"


class ArticleSitemap(SiteSitemap):
    changefreq = "daily"
    limit = 5000

    def items(self):
        return (
            Article.objects.published()
            .latest()
            .only("slug", "headline", "published_at", "updated_at")
        )

    def location(self, item: Article) -> str:
        return item.get_absolute_url()

    def lastmod(self, item: Article):
        return item.updated_at

    def get_urls(self, *args, **kwargs):
        """Each URL also says whether it belongs in the Google News part of the sitemap."""
        urls = super().get_urls(*args, **kwargs)
        since = timezone.now() - NEWS_WINDOW
        for url in urls:
            url["is_news"] = url["item"].published_at >= since
        return urls


class SectionSitemap(SiteSitemap):
    changefreq = "hourly"

    def items(self):
        return Section.objects.all()

    def location(self, item: Section) -> str:
        return reverse("articles:section", args=[item.slug])


class HomeSitemap(SiteSitemap):
    changefreq = "always"
    priority = 1.0

    def items(self):
        return ["home"]

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS = {"home": HomeSitemap, "sections": SectionSitemap, "articles": ArticleSitemap}
