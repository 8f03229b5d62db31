"""In-process measurement of every page type: SQL query count and server-side time.

Run by bench/run.py once per archive size, in its own process (Django reads its settings once),
with DATABASE_URL naming that size's database. Prints nothing but progress on stderr and writes
its results as JSON to the path given with --out.

Each page is requested through Django's test Client, so the time is the whole server side:
middleware, view, queries, template rendering. "Cold" runs with the cache disabled (the page
cache never hits, every request is rendered); "warm" runs the same URL with a local-memory cache.
"""

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

# The tree whose code is measured: this checkout, or a snapshot of a commit (run.py --snapshot).
ROOT = Path(os.environ.get("BENCH_SOURCE", Path(__file__).resolve().parent.parent))


def configure_environment() -> None:
    """Production-like settings for a test Client: no DEBUG, no HTTPS redirect, no cache."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    if not os.environ.get("STATIC_ROOT"):  # run.py collects static files; alone, plain ones
        os.environ["PLAIN_STATIC"] = "1"
    os.environ["CACHE_URL"] = "dummy://"
    os.environ["LOG_LEVEL"] = "ERROR"
    # A persistent connection, as a production worker keeps one.
    os.environ.setdefault("CONN_MAX_AGE", "60")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)


STATEMENT_TIMEOUT_MS = 60_000

# Median targets at 100,000 stories, in milliseconds (issue 5, item 4).
TARGETS_MS = {
    "home": 30,
    "article": 15,
    "interview": 15,
    "original text": 15,
    "section": 30,
    "section, deep page": 30,
    "tag": 30,
    "tag, deep page": 30,
    "contributor": 30,
    "archive month": 30,
    "search (common words)": 60,
    "search (rare word)": 60,
    "feed RSS": 30,
    "feed Atom": 30,
    "sitemap index": None,
    "sitemap of stories": None,
    "sitemap of stories, last page": None,
    "admin changelist": 100,
    "admin changelist, search": 100,
    "admin change form": 150,
    "translation review": 150,
}


def is_review_name(name: str | None) -> bool:
    """A URL name for translation review ("translation_review", "review_translation", ...),
    not "preview"."""
    return bool(name) and bool(re.search(r"(^|[_:-])review|translation", name))


def review_url(article_id: int) -> str | None:
    """The translation review page of a story, wherever the admin engineer mounted it."""
    from django.urls import URLPattern, URLResolver, get_resolver, reverse

    def walk(patterns, namespace: str = ""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}{pattern.namespace}:"
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and is_review_name(pattern.name):
                yield f"{namespace}{pattern.name}"

    for name in walk(get_resolver().url_patterns):
        for args in ([article_id], [str(article_id)]):
            try:
                return reverse(name, args=args)
            except Exception:
                continue
    return None


def choose_pages() -> list[tuple[str, str | None, bool]]:
    """(page type, URL or None if the page does not exist yet, needs a staff login)."""
    from django.db.models import Count
    from django.urls import NoReverseMatch, reverse
    from taggit.models import Tag

    from articles.models import Article, Byline, Section

    published = Article.objects.published()
    total = published.count()

    def url(name: str, *args) -> str | None:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return None

    # A story from the middle of the archive with the most bylines, so the page does real work.
    middle = published.order_by("published_at")[total // 2 : total // 2 + 200]
    article = (
        Article.objects.filter(pk__in=[a.pk for a in middle], kind__in=["news", "feature"])
        .annotate(n=Count("bylines"))
        .order_by("-n", "pk")
        .first()
    )
    interview = (
        published.filter(kind="interview", original_language="ar")
        .annotate(n=Count("exchanges"))
        .order_by("-n", "-published_at")
        .first()
    )
    translated = published.filter(original_language="ar").order_by("-published_at").first()
    section = Section.objects.filter(name="Syria").first() or Section.objects.first()
    tag = Tag.objects.annotate(n=Count("taggit_taggeditem_items")).order_by("-n").first()
    contributor_id = (
        Byline.objects.values("contributor").annotate(n=Count("id")).order_by("-n").first()
    )
    from articles.models import Contributor

    contributor = Contributor.objects.get(pk=contributor_id["contributor"])
    middle_at = middle[0].published_at if middle else None
    per_page = 20
    section_pages = max(1, published.filter(section=section).count() // per_page)
    tag_pages = max(1, published.filter(tags__slug=tag.slug).count() // per_page)

    def deep(page_url: str | None, pages: int) -> str | None:
        return f"{page_url}?page={pages}" if page_url else None

    def deep_sitemap(page_url: str | None, stories: int) -> str | None:
        from public.sitemaps import ArticleSitemap

        last = max(1, -(-stories // ArticleSitemap.limit))
        return f"{page_url}?p={last}" if page_url else None

    search = url("search")
    return [
        ("home", url("home"), False),
        ("article", url("articles:detail", article.slug), False),
        ("interview", url("articles:detail", interview.slug) if interview else None, False),
        ("original text", url("articles:original", translated.slug), False),
        ("section", url("articles:section", section.slug), False),
        ("section, deep page", deep(url("articles:section", section.slug), section_pages), False),
        ("tag", url("articles:tag", tag.slug), False),
        ("tag, deep page", deep(url("articles:tag", tag.slug), tag_pages), False),
        ("contributor", url("articles:contributor", contributor.slug), False),
        (
            "archive month",
            url("articles:archive", middle_at.year, middle_at.month) if middle_at else None,
            False,
        ),
        ("search (common words)", f"{search}?q=school+truce" if search else None, False),
        ("search (rare word)", f"{search}?q=pharmacies+Yarmouk" if search else None, False),
        ("feed RSS", url("articles:feed-rss"), False),
        ("feed Atom", url("articles:feed-atom"), False),
        ("sitemap index", url("sitemap"), False),
        ("sitemap of stories", url("sitemap-section", "articles"), False),
        (
            "sitemap of stories, last page",
            deep_sitemap(url("sitemap-section", "articles"), total),
            False,
        ),
        ("admin changelist", url("admin:articles_article_changelist"), True),
        (
            "admin changelist, search",
            f"{url('admin:articles_article_changelist')}?q=Raqqa",
            True,
        ),
        ("admin change form", url("admin:articles_article_change", interview.pk), True),
        ("translation review", review_url(interview.pk), True),
    ]


def staff_client(client_class):
    """A test Client logged in as a superuser, past the admin's second factor if it has one."""
    client = client_class()
    user = staff_user()
    client.force_login(user)
    try:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except (ImportError, RuntimeError):  # a commit from before two-factor sign-in
        return client
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    # What the verify step records once the code is right (as tests/conftest.py does).
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def staff_user():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="bench-editor", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def time_requests(client, url: str, repeats: int, budget: float) -> list[float]:
    """Milliseconds per request, `repeats` times or until `budget` seconds are spent (min 3)."""
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < repeats:
        before = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - before) * 1000)
        if len(times) >= 3 and time.perf_counter() - started > budget:
            break
    return times


def explain(sql: str, *, analyze: bool = True) -> str:
    from django.db import connection

    if connection.vendor != "postgresql" or not sql.lstrip().upper().startswith("SELECT"):
        return ""
    with connection.cursor() as cursor:
        cursor.execute(("EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN ") + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure(repeats: int, budget: float, with_explain: bool) -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.db.backends.signals import connection_created
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.urls import Resolver404, resolve

    from articles.models import Article

    def limit_statements(sender, connection, **kwargs) -> None:
        # A page that needs minutes is reported as such, not waited for.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")

    connection_created.connect(limit_statements)
    connection.close()  # the next query opens a connection with the limit set
    client = Client()
    staff = staff_client(Client)
    results = []
    for name, url, needs_staff in choose_pages():
        print(f"  {name}: {url}", file=sys.stderr, flush=True)
        row: dict = {"page": name, "url": url, "target_ms": TARGETS_MS.get(name)}
        if url is None:
            row["state"] = "not built yet"
            results.append(row)
            continue
        try:
            resolve(url.split("?")[0])
        except Resolver404:
            row["state"] = "not built yet"
            results.append(row)
            continue
        who = staff if needs_staff else client
        try:
            # The first request warms the connection, the template loader and the OS cache.
            with CaptureQueriesContext(connection) as captured:
                before = time.perf_counter()
                first = who.get(url)
                first_ms = (time.perf_counter() - before) * 1000
        except Exception as error:  # a page that crashes is a finding, not the end of the run
            message = str(error).splitlines()[0][:200]
            if "statement timeout" in message:
                message = f"a query ran over {STATEMENT_TIMEOUT_MS // 1000} s and was cancelled"
            row["state"] = f"error: {type(error).__name__}: {message}"
            results.append(row)
            continue
        row["status"] = first.status_code
        row["bytes"] = len(first.content) if not first.streaming else None
        if first.status_code != 200:
            row["state"] = f"HTTP {first.status_code}"
            if first_ms >= STATEMENT_TIMEOUT_MS * 0.95:
                row["state"] = (
                    f"over {STATEMENT_TIMEOUT_MS // 1000} s: a query was cancelled "
                    f"(the site answered {first.status_code})"
                )
                row["timed_out"] = True
            results.append(row)
            continue
        row["state"] = "ok"
        if first_ms <= budget * 1000 / 2:
            # Count on a second request: the first of a session also writes its session and
            # the two-factor device's last use, which a reader's repeat visit does not.
            with CaptureQueriesContext(connection) as captured:
                who.get(url)
        queries = [{"sql": q["sql"], "ms": float(q["time"]) * 1000} for q in captured]
        row["queries"] = len(queries)
        slowest = sorted(queries, key=lambda q: q["ms"], reverse=True)[:3]
        row["slowest_queries"] = slowest
        if with_explain and slowest:
            try:
                # ANALYZE runs the query again: not for one that takes many seconds.
                row["explain"] = explain(slowest[0]["sql"], analyze=slowest[0]["ms"] < 3000)
            except Exception as error:  # an unparsable interpolated query: report, go on
                row["explain"] = f"(EXPLAIN failed: {error})"
        if first_ms > budget * 1000 / 2:
            # Too slow to repeat within the budget: the one request is the figure.
            row["cold_ms"] = {"median": first_ms, "p95": first_ms, "min": first_ms, "n": 1}
            row["warm_ms"] = None
            results.append(row)
            print(
                f"    {row['queries']} queries, one request {first_ms:.0f} ms",
                file=sys.stderr,
                flush=True,
            )
            continue
        cold = time_requests(who, url, repeats, budget)
        row["cold_ms"] = {
            "median": statistics.median(cold),
            "p95": percentile(cold, 0.95),
            "min": min(cold),
            "n": len(cold),
        }
        with override_settings(
            CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        ):
            who.get(url)  # fills the page cache
            warm = time_requests(who, url, repeats, budget)
        row["warm_ms"] = {
            "median": statistics.median(warm),
            "p95": percentile(warm, 0.95),
            "n": len(warm),
        }
        results.append(row)
        print(
            f"    {row['queries']} queries, cold median {row['cold_ms']['median']:.1f} ms, "
            f"p95 {row['cold_ms']['p95']:.1f} ms, warm {row['warm_ms']['median']:.2f} ms",
            file=sys.stderr,
            flush=True,
        )
    return {"stories": Article.objects.published().count(), "pages": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--budget", type=float, default=20.0, help="Seconds at most per page.")
    parser.add_argument("--explain", action="store_true")
    options = parser.parse_args()
    configure_environment()
    result = measure(options.repeats, options.budget, options.explain)
    Path(options.out).write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
