"""Reading the environment for settings: yes/no and list values, and the three settings parsed
from a URL or a choice (the database, the cache of public pages, the media storage).

Only settings calls these, once, at startup; every variable read here or there is in the README's
table (tests/test_docs.py checks).
"""

import os
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# With DEBUG off, how long a process keeps a database connection between requests unless
# CONN_MAX_AGE says otherwise: opening one costs more than rendering most pages (on PostgreSQL a
# new server process each time). Health checks drop a connection the server has closed.
PRODUCTION_CONN_MAX_AGE = 60


def database(base_dir: Path, *, debug: bool = True) -> dict:
    """The default database: SQLite beside the code unless DATABASE_URL names another.

    With DEBUG off, connections are kept PRODUCTION_CONN_MAX_AGE seconds unless CONN_MAX_AGE is
    set (0 closes each at the end of its request, as while debugging).
    """
    conn_max_age = os.environ.get("CONN_MAX_AGE") or str(0 if debug else PRODUCTION_CONN_MAX_AGE)
    default: dict[str, Any] = dj_database_url.parse(  # type: ignore[assignment]
        os.environ.get("DATABASE_URL", f"sqlite:///{base_dir / 'db.sqlite3'}"),
        conn_max_age=int(conn_max_age),
        conn_health_checks=True,
    )
    if default["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_POOL", False):
        # psycopg's own pool; it replaces persistent connections, so CONN_MAX_AGE must stay 0.
        default["CONN_MAX_AGE"] = 0
        default.setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("DATABASE_POOL_MIN", "2")),
            "max_size": int(os.environ.get("DATABASE_POOL_MAX", "10")),
        }
    if default["ENGINE"] == "django.db.backends.sqlite3":
        # Take the write lock when a transaction begins and wait for it, rather than failing with
        # "database is locked" when two requests that read first both try to write.
        default.setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
        # Tests use a file, not a shared in-memory database: in memory, SQLite locks tables instead
        # of waiting, and the concurrency tests must see the same locking as a real deployment.
        default["TEST"] = {
            "NAME": str(Path(tempfile.gettempdir()) / f"newsroom-test-{os.getpid()}.sqlite3")
        }
    return default


def replica_databases(default: dict) -> dict[str, dict]:
    """Read replicas from DATABASE_REPLICA_URLS (comma-separated URLs, as DATABASE_URL):
    "replica_1", "replica_2"... with the default database's connection settings. In tests they
    mirror the default database, which is then the only one created."""
    urls = [url.strip() for url in os.environ.get("DATABASE_REPLICA_URLS", "").split(",")]
    replicas = {}
    for number, url in enumerate((url for url in urls if url), start=1):
        replica: dict[str, Any] = dj_database_url.parse(  # type: ignore[assignment]
            url,
            conn_max_age=default.get("CONN_MAX_AGE", 0),
            conn_health_checks=True,
        )
        if replica["ENGINE"] != default["ENGINE"]:
            raise ImproperlyConfigured(
                f"DATABASE_REPLICA_URLS: replica {number} is {replica['ENGINE']}, the primary "
                f"(DATABASE_URL) {default['ENGINE']}; a replica is a copy of the primary."
            )
        if replica["ENGINE"] == "django.db.backends.postgresql":
            # A replica that does not answer is given up on quickly (newsroom/routers.py).
            replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
        if "pool" in default.get("OPTIONS", {}):
            replica.setdefault("OPTIONS", {})["pool"] = dict(default["OPTIONS"]["pool"])
        replica["TEST"] = {"MIRROR": "default"}
        replicas[f"replica_{number}"] = replica
    return replicas


def caches(cache_url: str, *, debug: bool, cache_table: str) -> dict:
    """CACHES for CACHE_URL (settings lists the choices where it reads the variable)."""
    if cache_url.startswith(("redis://", "rediss://", "unix://")):
        config = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": cache_url,
                "KEY_PREFIX": "newsroom",
                # A cache that stops answering costs a second at most, never a hung worker.
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }
    elif cache_url == "db://":
        config = {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": cache_table,
                # Django's default of 300 rows would keep few pages of a real site. Past the limit
                # a third of the rows go, in key order: pages before the site version's own key.
                "OPTIONS": {"MAX_ENTRIES": 5000},
            }
        }
    elif cache_url == "dummy://":
        config = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    elif cache_url == "locmem://":
        if not debug:
            # Each gunicorn worker would keep its own copy of every page, and a change made through
            # one worker (or the admin on another app server) would reach none of the others.
            raise ImproperlyConfigured(
                "CACHE_URL=locmem:// keeps a separate page cache in every worker process: with "
                "DEBUG off, a withdrawn or corrected story would still be served by the other "
                "workers and app servers. Set CACHE_URL=redis://HOST:6379/1 (recommended for a "
                "busy site), or leave CACHE_URL unset for db://, the page cache in the database "
                "(made by migrate), or CACHE_URL=dummy:// to cache nothing."
            )
        config = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    else:
        # Anything else used to mean local memory, silently: a typo must not turn a shared cache
        # into one per process.
        raise ImproperlyConfigured(
            f"CACHE_URL={cache_url!r} is not one this site knows: redis://HOST:PORT/DB (also "
            "rediss:// and unix://), db://, locmem:// (with DEBUG on only) or dummy://."
        )
    return config


def media_storage(choice: str) -> dict:
    """The "default" storage for MEDIA_STORAGE: the file system, or an S3-compatible bucket
    configured by its AWS_* variables."""
    if choice == "s3":
        backend: dict[str, Any] = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
                "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
                "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
                "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
                "location": os.environ.get("AWS_LOCATION", "media"),
                # Uploaded images are public renditions; never overwrite one under the same name.
                "default_acl": os.environ.get("AWS_DEFAULT_ACL") or None,
                "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False),
                "file_overwrite": False,
            },
        }
        if not backend["OPTIONS"]["bucket_name"]:
            raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
        # Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are read by boto3 itself from the
        # environment (or an instance role), so they never pass through settings.
    elif choice == "filesystem":
        backend = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    else:
        raise ImproperlyConfigured(f"MEDIA_STORAGE is 'filesystem' or 's3', not {choice!r}.")
    return backend
