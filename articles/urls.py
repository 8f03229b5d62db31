"""Public story URLs (DESIGN.md, "The public site"); mounted at the site root."""

from django.urls import path

from . import feeds, views

app_name = "articles"

urlpatterns = [
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("articles/<slug:slug>/original/", views.article_original, name="original"),
    path("sections/<slug:slug>/", views.section_detail, name="section"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    path("contributors/<slug:slug>/", views.contributor_detail, name="contributor"),
    path("archive/<int:year>/<int:month>/", views.archive_month, name="archive"),
    path("feeds/latest.rss", feeds.LatestFeed(), name="feed-rss"),
    path("feeds/latest.atom", feeds.LatestAtomFeed(), name="feed-atom"),
    path("feeds/sections/<slug:slug>.rss", feeds.SectionFeed(), name="section-feed-rss"),
    path("feeds/sections/<slug:slug>.atom", feeds.SectionAtomFeed(), name="section-feed-atom"),
    path("feeds/tags/<slug:slug>.rss", feeds.TagFeed(), name="tag-feed-rss"),
    path("feeds/tags/<slug:slug>.atom", feeds.TagAtomFeed(), name="tag-feed-atom"),
]
