"""What the edge cache in front of the app servers (nginx, deploy/nginx/newsroom.conf) may keep.

The app marks a page any reader may be given with X-Accel-Expires; nginx keeps only what is
marked, and never passes the header on.
"""

import time

from django.conf import settings
from django.http import HttpResponse


def edge_seconds() -> int:
    """How long the edge cache in front of the app servers (nginx, deploy/nginx/newsroom.conf)
    may keep a page any reader may see; 0 lets it keep none."""
    return int(getattr(settings, "EDGE_CACHE_SECONDS", 1))


def allow_edge_cache(response: HttpResponse) -> None:
    """Let the edge cache keep this page until the end of the current second (or of the last of
    EDGE_CACHE_SECONDS), so that an edit or a withdrawal reaches readers within that time.

    An absolute time, not `s-maxage`: nginx counts freshness in whole seconds from the second a
    page arrived, so "1 second" would mean up to two. nginx reads this header and never passes it
    on; browsers still revalidate every time (Cache-Control below).
    """
    seconds = edge_seconds()
    if seconds > 0:
        response["X-Accel-Expires"] = f"@{int(time.time()) + seconds - 1}"


# A page that is not, or no longer, there: the story withdrawn (410), unpublished (404) or
# moved (301). The edge cache must keep these as it keeps pages, or the copy it had from before
# would stay there, out of date, and be given to every reader who comes while another reader's
# request is asking the app again.
GONE = (301, 404, 410)


def let_the_edge_keep_a_gone_page(response: HttpResponse) -> None:
    if response.has_header("X-Accel-Expires") or response.cookies or response.has_header("Vary"):
        return
    cache_control = response.get("Cache-Control", "").lower()
    if "private" in cache_control or "no-store" in cache_control:
        return
    allow_edge_cache(response)
