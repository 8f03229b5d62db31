"""Settings read from the environment: outgoing mail, the cache, sign-in throttling, and the
refusals at startup.

Each case imports newsroom.settings in a child process with only the variables it names (the
run_django helper of tests/newsroom/test_headers.py), since settings are read once per process.
"""

import json
import os

import pytest

from tests.newsroom.test_headers import PRODUCTION_ENV, run_django

EMAIL_SETTINGS = (
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "DEFAULT_FROM_EMAIL",
)


THROTTLE_VARIABLES = (
    "AXES_FAILURE_LIMIT",
    "AXES_ACCOUNT_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES",
    "KNOWN_BROWSER_DAYS",
)


@pytest.fixture(autouse=True)
def _only_the_settings_a_test_names(monkeypatch):
    """Children inherit the caller's environment: only the variables a test names count."""
    for name in (
        *EMAIL_SETTINGS,
        *THROTTLE_VARIABLES,
        "CACHE_URL",
        "PUBLIC_PAGE_CACHE_SECONDS",
        "CONN_MAX_AGE",
        "DATABASE_POOL",
    ):
        monkeypatch.delenv(name, raising=False)


def email_settings(**env: str) -> dict:
    """The mail settings of a process started with `env`."""
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{k: getattr(s, k) for k in {list(EMAIL_SETTINGS)!r}}}))"
    )
    result = run_django("-c", script, env={"DJANGO_SETTINGS_MODULE": "newsroom.settings", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_mail_defaults_to_the_console_with_a_short_timeout():
    values = email_settings()
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"]) == ("localhost", 25)
    assert values["EMAIL_USE_TLS"] is False
    assert values["EMAIL_USE_SSL"] is False
    assert values["EMAIL_HOST_USER"] == ""
    assert values["EMAIL_HOST_PASSWORD"] == ""
    assert values["DEFAULT_FROM_EMAIL"] == "newsroom@localhost"
    # A dead mail server must not hold a workflow move for Python's default of forever.
    assert values["EMAIL_TIMEOUT"] == 10


def test_real_smtp_is_configured_entirely_from_the_environment():
    values = email_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="newsroom",
        EMAIL_HOST_PASSWORD="app-password",
        EMAIL_USE_TLS="1",
        EMAIL_TIMEOUT="5",
        DEFAULT_FROM_EMAIL="desk@example.org",
    )
    assert values == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "newsroom",
        "EMAIL_HOST_PASSWORD": "app-password",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 5,
        "DEFAULT_FROM_EMAIL": "desk@example.org",
    }


@pytest.mark.parametrize(
    ("env", "port"), [({"EMAIL_USE_TLS": "1"}, 587), ({"EMAIL_USE_SSL": "true"}, 465), ({}, 25)]
)
def test_the_port_follows_the_encryption_chosen_unless_given(env, port):
    assert email_settings(**env)["EMAIL_PORT"] == port


def test_the_smtp_backend_is_built_with_the_configured_timeout_and_encryption():
    script = (
        "import django; django.setup(); from django.core.mail import get_connection; "
        "c = get_connection(); print(type(c).__name__, c.host, c.port, c.use_ssl, c.timeout)"
    )
    result = run_django(
        "-c",
        script,
        env={
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "smtp.example.org",
            "EMAIL_USE_SSL": "1",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["EmailBackend", "smtp.example.org", "465", "True", "10"]


def throttle_settings(**env: str) -> list:
    """Per-address limit, account limit, cool-off in minutes, known-browser days."""
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.AXES_FAILURE_LIMIT, s.AXES_ACCOUNT_FAILURE_LIMIT, "
        "s.AXES_COOLOFF_TIME.total_seconds() / 60, s.KNOWN_BROWSER_DAYS]))"
    )
    result = run_django("-c", script, env={"DJANGO_SETTINGS_MODULE": "newsroom.settings", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sign_in_throttling_has_safe_defaults():
    # Five guesses per address, twenty per account from everywhere, per quarter of an hour.
    assert throttle_settings() == [5, 20, 15, 30]


def test_sign_in_throttling_is_set_from_the_environment():
    values = throttle_settings(
        AXES_FAILURE_LIMIT="3",
        AXES_ACCOUNT_FAILURE_LIMIT="12",
        AXES_COOLOFF_MINUTES="30",
        KNOWN_BROWSER_DAYS="0",
    )
    assert values == [3, 12, 30, 0]


def test_startup_refuses_an_account_limit_below_the_per_address_limit():
    result = run_django(
        "manage.py", "check", env={"AXES_FAILURE_LIMIT": "5", "AXES_ACCOUNT_FAILURE_LIMIT": "4"}
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "AXES_ACCOUNT_FAILURE_LIMIT" in result.stderr


def test_startup_refuses_tls_and_ssl_together():
    result = run_django("manage.py", "check", env={"EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL are both on" in result.stderr


def test_startup_refuses_production_without_allowed_hosts():
    # The deploy checks would only warn (security.W020), and gunicorn would answer every request
    # with 400 Bad Request.
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "ALLOWED_HOSTS"}
    result = run_django("manage.py", "check", "--deploy", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ALLOWED_HOSTS must be set" in result.stderr
    assert "security.W020" not in result.stdout + result.stderr


def test_production_with_allowed_hosts_still_starts():
    result = run_django(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stdout + result.stderr


def connection_settings(**env: str) -> dict:
    """How long a process started with `env` keeps its database connections, and whether it
    checks them before use."""
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; "
        "print(json.dumps([d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']]))"
    )
    result = run_django("-c", script, env={"DJANGO_SETTINGS_MODULE": "newsroom.settings", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_keeps_database_connections_without_being_told():
    # Opening a connection costs more than rendering most pages; a kept one is checked first,
    # so one the database server has dropped is replaced rather than failing the request.
    assert connection_settings(**PRODUCTION_ENV) == [60, True]


def test_debugging_and_the_tests_open_a_connection_for_each_request():
    assert connection_settings() == [0, True]


@pytest.mark.parametrize("seconds", ["0", "600"])
def test_conn_max_age_from_the_environment_wins_in_production(seconds):
    assert connection_settings(**PRODUCTION_ENV, CONN_MAX_AGE=seconds) == [int(seconds), True]


def test_database_pool_serves_queries_through_psycopgs_pool_on_postgresql():
    """DATABASE_POOL=1 opens psycopg's pool; connections go back to it and are reused."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("psycopg's pool needs PostgreSQL (set DATABASE_URL=postgres://...)")
    # The server's maintenance database: it exists wherever the server does.
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    script = (
        "import django; django.setup(); from django.db import connection\n"
        "answers = []\n"
        "for n in (1, 2, 3):\n"
        "    with connection.cursor() as cursor:\n"
        "        cursor.execute('SELECT %s', [n]); answers.append(cursor.fetchone()[0])\n"
        "    connection.close()  # back to the pool, not closed\n"
        "import json; stats = connection.pool.get_stats()\n"
        "print(json.dumps([type(connection.pool).__name__, answers, stats['connections_num']]))\n"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DATABASE_URL": maintenance,
        "DATABASE_POOL": "1",
        "DATABASE_POOL_MIN": "1",
        "DATABASE_POOL_MAX": "2",
    }
    result = run_django("-c", script, env=env)
    assert result.returncode == 0, result.stderr
    name, answers, opened = json.loads(result.stdout)
    assert (name, answers) == ("ConnectionPool", [1, 2, 3])
    assert opened <= 2  # three requests' worth of queries on at most the pool's two


# The cache: one for every worker and app server -----------------------------------------------

DATABASE_CACHE = "django.core.cache.backends.db.DatabaseCache"


def cache_settings(**env: str) -> dict:
    """The default cache of a process started with `env`."""
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.CACHES['default']))"
    )
    result = run_django("-c", script, env={"DJANGO_SETTINGS_MODULE": "newsroom.settings", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_keeps_pages_in_the_database_cache_unless_told_otherwise():
    # Shared by every gunicorn worker and every app server on the same database, in the table
    # migration 0008 makes.
    from importlib import import_module

    migration = import_module("articles.migrations.0008_page_cache_table")
    cache = cache_settings(**PRODUCTION_ENV)
    assert (cache["BACKEND"], cache["LOCATION"]) == (DATABASE_CACHE, migration.CACHE_TABLE)
    assert cache["OPTIONS"]["MAX_ENTRIES"] >= 1000


@pytest.mark.django_db
def test_the_database_cache_works_on_a_migrated_database(settings):
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": DATABASE_CACHE, "LOCATION": settings.CACHE_TABLE}}
    cache.set("greeting", "marhaba", 30)
    assert cache.get("greeting") == "marhaba"


def test_debugging_keeps_pages_in_the_memory_of_its_one_process():
    assert cache_settings()["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("redis://cache.internal:6379/1", "django.core.cache.backends.redis.RedisCache"),
        ("rediss://cache.internal:6380/1", "django.core.cache.backends.redis.RedisCache"),
        ("db://", DATABASE_CACHE),
        ("dummy://", "django.core.cache.backends.dummy.DummyCache"),
    ],
)
def test_cache_url_chooses_the_cache_in_production(url, backend):
    assert cache_settings(**PRODUCTION_ENV, CACHE_URL=url)["BACKEND"] == backend


def test_startup_refuses_a_cache_of_each_process_its_own_in_production():
    # Each gunicorn worker would keep serving a withdrawn story it had cached (up to
    # PUBLIC_PAGE_CACHE_SECONDS), whatever the worker that took the change forgot.
    result = run_django("manage.py", "check", env={**PRODUCTION_ENV, "CACHE_URL": "locmem://"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "CACHE_URL=locmem:// keeps a separate page cache in every worker" in result.stderr
    assert "CACHE_URL=redis://" in result.stderr
    assert "db://" in result.stderr


@pytest.mark.parametrize(
    ("url", "debug"),
    [
        ("reddis://cache.internal:6379/1", "0"),
        ("memcached://127.0.0.1:11211", "0"),
        ("file:///var/tmp", "1"),
    ],
)
def test_startup_refuses_a_cache_url_it_does_not_know(url, debug):
    # It used to mean local memory, silently: one typo and each worker had its own cache.
    env = {**PRODUCTION_ENV, "DEBUG": debug, "ALLOWED_HOSTS": "localhost", "CACHE_URL": url}
    result = run_django("manage.py", "check", env=env)
    assert result.returncode != 0
    assert f"CACHE_URL={url!r} is not one this site knows" in result.stderr


@pytest.mark.parametrize(("env", "frames"), [({}, 300), ({"IMAGE_MAX_FRAMES": "24"}, 24)])
def test_the_frame_limit_of_animations_comes_from_the_environment(monkeypatch, env, frames):
    monkeypatch.delenv("IMAGE_MAX_FRAMES", raising=False)
    script = "import django; django.setup(); from django.conf import settings; "
    script += "print(settings.IMAGE_MAX_FRAMES)"
    result = run_django("-c", script, env={"DJANGO_SETTINGS_MODULE": "newsroom.settings", **env})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(frames)
