"""Site-wide views: the home page and the health check."""

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from articles.models import Article

HOME_PAGE_SIZE = 20


def home(request):
    articles = Article.objects.published().for_listing().latest()[:HOME_PAGE_SIZE]
    return render(request, "home.html", {"articles": articles})


@never_cache
def healthz(request):
    """200 when the database and the cache answer; 503 naming what failed, without internals."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unavailable"
    try:
        cache.set("healthz", "ok", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "ok" else "unavailable"
    except Exception:
        checks["cache"] = "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
