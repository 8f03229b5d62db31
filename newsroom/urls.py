"""Root URLs: the admin, each app's public pages, and the site-wide views."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from public import views as public_views
from public.caching import public_page
from public.editions import language_code_pattern
from public.sitemaps import SITEMAPS, sitemap_index, sitemap_section

from . import views

urlpatterns = [
    path("", public_views.home, name="home"),
    path("search/", public_views.search, name="search"),
    path("robots.txt", public_views.robots_txt, name="robots"),
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
    # The wire API for partners and apps (public/api/): stories as IPTC ninjs JSON.
    path("api/", include("public.api.urls")),
    # Two-factor sign-in steps (accounts/two_factor.py), before the admin's catch-all URLs.
    path("admin/2fa/", include("accounts.two_factor")),
    path("admin/", admin.site.urls),
    path("", include("public.urls")),
    # The original-language editions (/ar/...): only the codes of ORIGINAL_LANGUAGES match, so
    # no other address can be taken for one.
    re_path(
        rf"^(?P<language>{language_code_pattern()})/",
        include("public.edition_urls"),
    ),
]

handler500 = "newsroom.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
