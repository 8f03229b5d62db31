"""Public story URLs (README.md, "The public site"); mounted at the site root.

Feeds are cached and answer conditional requests like the pages (articles.caching).
"""

from django.urls import path

from . import corrections, feeds, previews, views
from .caching import public_page

app_name = "articles"

urlpatterns = [
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("articles/<slug:slug>/original/", views.article_original, name="original"),
    path("sections/<slug:slug>/", views.section_detail, name="section"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    path("contributors/<slug:slug>/", views.contributor_detail, name="contributor"),
    # Shareable previews: never cached, never indexed (public/previews.py).
    path("preview/<str:token>/", previews.preview, name="preview"),
    path("preview/<str:token>/original/", previews.preview_original, name="preview-original"),
    path("embed/<str:provider>/<path:item>/", views.embed_player, name="embed"),
    path("archive/<int:year>/<int:month>/", views.archive_month, name="archive"),
    path("feeds/latest.rss", public_page(feeds.LatestFeed()), name="feed-rss"),
    path("feeds/latest.atom", public_page(feeds.LatestAtomFeed()), name="feed-atom"),
    path(
        "feeds/sections/<slug:slug>.rss",
        public_page(feeds.SectionFeed()),
        name="section-feed-rss",
    ),
    path(
        "feeds/sections/<slug:slug>.atom",
        public_page(feeds.SectionAtomFeed()),
        name="section-feed-atom",
    ),
    path("feeds/tags/<slug:slug>.rss", public_page(feeds.TagFeed()), name="tag-feed-rss"),
    path("feeds/tags/<slug:slug>.atom", public_page(feeds.TagAtomFeed()), name="tag-feed-atom"),
    path("corrections/", corrections.corrections_list, name="corrections"),
    path(
        "corrections/feed.rss",
        public_page(corrections.CorrectionsFeed()),
        name="corrections-feed-rss",
    ),
    path(
        "corrections/feed.atom",
        public_page(corrections.CorrectionsAtomFeed()),
        name="corrections-feed-atom",
    ),
]
