from django.apps import AppConfig


class PublicConfig(AppConfig):
    """The readers' site: story pages, listings, search, feeds, sitemaps, the page cache and the
    picture renditions. No models: it reads what articles and interviews keep."""

    name = "public"
    verbose_name = "Public site"
