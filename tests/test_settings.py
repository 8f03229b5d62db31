"""Settings read from the environment: outgoing mail, and the refusals at startup.

Each case imports newsroom.settings in a child process with only the variables it names (the
run_django helper of tests/test_headers.py), since settings are read once per process.
"""

import json
import os

import pytest

from tests.test_headers import PRODUCTION_ENV, run_django

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


@pytest.fixture(autouse=True)
def _no_mail_settings_from_the_caller(monkeypatch):
    """Children inherit the caller's environment: only the mail variables a test names count."""
    for name in EMAIL_SETTINGS:
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
    assert values["EMAIL_USE_TLS"] is False and values["EMAIL_USE_SSL"] is False
    assert values["EMAIL_HOST_USER"] == "" and values["EMAIL_HOST_PASSWORD"] == ""
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
    "env, port", [({"EMAIL_USE_TLS": "1"}, 587), ({"EMAIL_USE_SSL": "true"}, 465), ({}, 25)]
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


@pytest.mark.parametrize(("env", "frames"), [({}, 300), ({"IMAGE_MAX_FRAMES": "24"}, 24)])
def test_the_frame_limit_of_animations_comes_from_the_environment(monkeypatch, env, frames):
    monkeypatch.delenv("IMAGE_MAX_FRAMES", raising=False)
    script = "import django; django.setup(); from django.conf import settings; "
    script += "print(settings.IMAGE_MAX_FRAMES)"
    result = run_django("-c", script, env={"DJANGO_SETTINGS_MODULE": "newsroom.settings", **env})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(frames)
