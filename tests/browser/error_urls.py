"""A URLconf for browser tests: the site's own URLs, and two that fail as production fails, so
that the 500 and 503 pages are checked as readers get them (newsroom/views.py server_error for a
bug in a view, newsroom/middleware.py for a database that stopped answering)."""

from django.db import OperationalError
from django.urls import path

from newsroom import urls as site_urls

SERVER_ERROR_URL = "/test-errors/500/"
DATABASE_DOWN_URL = "/test-errors/503/"


def fail_with_a_bug(request):
    raise RuntimeError("A bug in a view: Django answers with handler500.")


def fail_without_the_database(request):
    # What psycopg raises, wrapped by Django, when PostgreSQL refuses the connection.
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


urlpatterns = [
    path(SERVER_ERROR_URL.lstrip("/"), fail_with_a_bug),
    path(DATABASE_DOWN_URL.lstrip("/"), fail_without_the_database),
    *site_urls.urlpatterns,
]

handler500 = site_urls.handler500
