"""The wire API's addresses, mounted under /api/ (newsroom/urls.py)."""

from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("", views.index, name="index"),
    path("ninjs/", views.listing, name="ninjs-list"),
    path("ninjs/<slug:slug>.json", views.story, name="ninjs-story"),
    path("schema/", views.openapi, name="schema"),
    path("ninjs-schema.json", views.item_schema, name="ninjs-schema"),
]
