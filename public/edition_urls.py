"""The original-language editions' URLs, mounted at /<language>/ for the codes of
ORIGINAL_LANGUAGES only (newsroom/urls.py)."""

from django.urls import path

from . import edition_views, feeds
from .caching import public_page

app_name = "editions"

urlpatterns = [
    path("", edition_views.edition_home, name="home"),
    path("sections/<slug:slug>/", edition_views.edition_section, name="section"),
    path("search/", edition_views.edition_search, name="search"),
    path("feed.rss", public_page(feeds.EditionFeed()), name="feed-rss"),
    path("feed.atom", public_page(feeds.EditionAtomFeed()), name="feed-atom"),
]
