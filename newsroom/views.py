"""Site-wide views that are not pages of the public site: the 500 page and the health check."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.http import HttpResponseServerError, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache


def server_error(request):
    """The 500 page in the site's design, rendered without the database (which may be down)."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"SITE_NAME": settings.SITE_NAME}))


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
    body: dict[str, object] = {"status": "ok" if healthy else "unavailable", **checks}
    aliases = getattr(settings, "DATABASE_REPLICAS", [])
    if aliases:
        body["replicas"] = replicas = {alias: replica_state(alias) for alias in aliases}
        # Readers' pages read from the replicas: one that does not answer fails them.
        healthy = healthy and all(state["database"] == "ok" for state in replicas.values())
        body["status"] = "ok" if healthy else "unavailable"
    return JsonResponse(body, status=200 if healthy else 503)


def replica_state(alias: str) -> dict[str, object]:
    """Whether a read replica answers, and how far behind the primary it is: the seconds since
    the last change it replayed was made on the primary (PostgreSQL), None when it has
    replayed nothing yet or is not a replica. A quiet primary makes no changes, so a lag that
    grows while nothing is published is only the time since the last change."""
    try:
        with connections[alias].cursor() as cursor:
            if connections[alias].vendor != "postgresql":
                cursor.execute("SELECT 1")
                return {"database": "ok", "lag_seconds": None}
            cursor.execute(
                "SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8"
            )
            (lag,) = cursor.fetchone()
    except Exception:
        return {"database": "unavailable", "lag_seconds": None}
    return {"database": "ok", "lag_seconds": None if lag is None else round(max(lag, 0.0), 3)}
