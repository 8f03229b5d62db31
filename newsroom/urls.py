"""Root URLs: the admin, each app's public pages, and the site-wide views."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from articles.caching import public_page
from articles.sitemaps import SITEMAPS, sitemap_index, sitemap_section

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("robots.txt", views.robots_txt, name="robots"),
    # An index of the sitemaps below, each page of which stays under Google's limits.
    path(
        "sitemap.xml",
        public_page(sitemap_index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        public_page(sitemap_section),
        {"sitemaps": SITEMAPS, "template_name": "sitemap.xml"},
        name="sitemap-section",
    ),
    path("healthz", views.healthz, name="healthz"),
    # Two-factor sign-in steps (newsroom/two_factor.py), before the admin's catch-all URLs.
    path("admin/2fa/", include("newsroom.two_factor")),
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
]

handler500 = "newsroom.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
