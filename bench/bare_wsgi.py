"""A bare Django view that returns the same bytes as a page of the site: the framework's floor.

Served by gunicorn exactly like the site (bench/run.py), so that the site's throughput can be
reported as a ratio to it, a figure that holds on any machine. No database, no middleware, no
templates: one URL per page measured, each answering the bytes saved in BENCH_BARE_DIR/<name>.
It is not part of the site and never imported by it.
"""

import os
from pathlib import Path

from django.conf import settings

BODIES = Path(os.environ.get("BENCH_BARE_DIR", "/tmp/newsroom-bench-bare"))

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ.get("SECRET_KEY", "bare-view-" + "x" * 50),
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_TZ=True,
)

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

PAGES = {body.stem: body.read_bytes() for body in BODIES.glob("*.html")}


def page(request, name: str) -> HttpResponse:
    return HttpResponse(PAGES[name], content_type="text/html; charset=utf-8")


urlpatterns = [path("<slug:name>", page)]

application = get_wsgi_application()
