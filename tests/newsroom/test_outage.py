"""When the database goes away readers get a plain 503 page, and the site recovers by itself.

The first tests raise the errors a lost database raises, inside a view and inside a middleware.
The last one is the real thing: a private PostgreSQL server is started, the site runs against it
in a gunicorn subprocess, the server is stopped and started again under it. It runs twice: with
the page cache in that database (the default with DEBUG off), which goes down with it, and in a
private Redis server, which keeps serving the pages it holds.

That one must give the same answer on a busy machine, inside the whole suite, as alone. So the
subprocesses get only the environment written here (nothing of the test process's leaks in: a
CACHE_URL, DATABASE_POOL or GUNICORN_CMD_ARGS would change what is being tested); gunicorn is
handed a socket already bound, so no other server can be answering on a port it failed to get;
the database has a name of its own, so no other PostgreSQL that takes the port while ours is down
can serve the pages; and each step checks the state it relies on (ours is gunicorn, PostgreSQL
refuses connections, the outage pages were never requested and so are not in the page cache).
"""

import base64
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from django.db import IntegrityError, OperationalError
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from newsroom.middleware import PAGE_STYLE_HASH, PAGE_TEMPLATE, RETRY_AFTER_SECONDS

REPO = Path(__file__).resolve().parents[2]


def _lost_database(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def _broken_query(request):
    raise IntegrityError("duplicate key value violates unique constraint")


def _fine(request):
    return HttpResponse("fine")


urlpatterns = [
    path("lost/", _lost_database),
    path("broken/", _broken_query),
    path("fine/", _fine),
]


class _SessionReadFails:
    """Stands for a middleware that reads the database before the view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/fine/":
            raise OperationalError("server closed the connection unexpectedly")
        return self.get_response(request)


def inline_style_source(body: str) -> str:
    """The CSP source for the page's inline style, computed here as a browser would."""
    (css,) = re.findall(r"<style>(.*?)</style>", body, re.DOTALL)
    return f"'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'"


def style_sources(csp: str) -> list[str]:
    (directive,) = [d.split()[1:] for d in csp.split(";") if d.split()[:1] == ["style-src"]]
    return directive


def assert_plain_503(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "We will be back in a moment" in body
    assert "Traceback" not in body
    assert "OperationalError" not in body
    assert "127.0.0.1" not in body
    # Its inline style is allowed by its hash, and by nothing wider.
    assert style_sources(response["Content-Security-Policy"]) == [
        "'self'",
        inline_style_source(body),
    ]


@pytest.mark.urls("tests.newsroom.test_outage")
def test_a_view_that_loses_the_database_answers_the_plain_503_page():
    assert_plain_503(Client(raise_request_exception=False).get("/lost/"))


@pytest.mark.urls("tests.newsroom.test_outage")
def test_a_middleware_that_loses_the_database_answers_the_plain_503_page(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.newsroom.test_outage._SessionReadFails"]
    assert_plain_503(Client(raise_request_exception=False).get("/fine/"))


@pytest.mark.urls("tests.newsroom.test_outage")
def test_a_wrong_query_is_still_a_500_not_hidden_as_an_outage():
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500


def test_the_style_hash_is_that_of_the_style_in_the_template_file():
    # Computed when the middleware loads, from the file itself: an edit of the CSS moves the hash.
    assert inline_style_source(PAGE_TEMPLATE.read_text()) == PAGE_STYLE_HASH


@pytest.mark.urls("tests.newsroom.test_outage")
def test_other_pages_do_not_get_the_503_page_style_allowance():
    response = Client().get("/fine/")
    assert style_sources(response["Content-Security-Policy"]) == ["'self'"]


# The real outage -----------------------------------------------------------------------------

PG_BIN_DIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
PG_BIN = next((d for d in PG_BIN_DIRS if Path(d, "initdb").exists()), None)
GUNICORN = REPO / ".venv" / "bin" / "gunicorn"
if not GUNICORN.exists():
    GUNICORN = Path(shutil.which("gunicorn") or "gunicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def _child_env(**settings: str) -> dict[str, str]:
    """An environment of exactly these settings, plus what any process needs to run."""
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    return {**base, "PYTHONUNBUFFERED": "1", **settings}


def _get_with_headers(url: str, timeout: float = 10) -> tuple[int, str, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def _get(url: str, timeout: float = 10) -> tuple[int, str]:
    return _get_with_headers(url, timeout)[:2]


def _wait_for(what: str, check, seconds: float = 30):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except OSError as error:
            last = error
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {seconds}s (last: {last!r})")


class PrivatePostgres:
    """A throwaway PostgreSQL server in a temporary folder, run as the postgres OS user."""

    def __init__(self, root: Path, port: int):
        self.data = root / "data"
        self.port = port
        self.socket_dir = root

    def _as_postgres(self, *argv: str, timeout: float = 60) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *argv],
            check=True,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def init(self) -> None:
        self._as_postgres(
            f"{PG_BIN}/initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            f"{PG_BIN}/pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.data / "server.log"),
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self) -> None:
        self._as_postgres(
            f"{PG_BIN}/pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop"
        )

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def create_database(self, name: str) -> str:
        url = f"postgresql://postgres@127.0.0.1:{self.port}"
        with psycopg.connect(f"{url}/postgres", autocommit=True, connect_timeout=10) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture
def private_postgres():
    if PG_BIN is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql")
    if shutil.which("runuser") is None or os.geteuid() != 0:
        pytest.skip("needs root and runuser to run a private PostgreSQL as the postgres user")
    try:
        subprocess.run(["id", "postgres"], check=True, capture_output=True, timeout=10)
    except subprocess.CalledProcessError:
        pytest.skip("no postgres OS user to own a private PostgreSQL server")
    root = Path(tempfile.mkdtemp(prefix="newsroom-outage-"))
    shutil.chown(root, user="postgres")
    server = PrivatePostgres(root, _free_port())
    try:
        server.init()
        server.start()
        yield server
    finally:
        if server.is_running():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["database", "redis"])
def site_on(request, private_postgres, tmp_path):
    """gunicorn serving the site against the private server, with persistent connections, and
    its page cache in that database (the default) or in a Redis server of its own."""
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed")
    # Either way the page cache starts empty, so a page is in it only if this test asked for it
    # (the test checks which pages it asked for).
    cache_url = {}
    if request.param == "redis":
        cache_url["CACHE_URL"] = request.getfixturevalue("private_redis")
    # A name no other server on the machine has: if another PostgreSQL takes the port while ours
    # is down, the site still cannot read stories from it.
    database_url = private_postgres.create_database(f"newsroom_ops_outage_{os.urandom(4).hex()}")
    env = _child_env(
        DATABASE_URL=database_url,
        # Persistent connections with health checks, as in production (deploy/stack.sh).
        CONN_MAX_AGE="600",
        DATABASE_POOL="0",
        DEBUG="0",
        SECRET_KEY="outage-test-" + os.urandom(16).hex(),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        PLAIN_STATIC="1",
        MEDIA_ROOT=str(tmp_path / "media"),
        LOG_FORMAT="plain",
        **cache_url,
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=REPO,
        env=env,
        check=True,
        timeout=180,
    )
    subprocess.run(
        [sys.executable, "manage.py", "load_demo", "--force", "--password", "outage-Pass-1"],
        cwd=REPO,
        env=env,
        check=True,
        timeout=120,
        stdout=subprocess.DEVNULL,
    )
    # Bound here and handed over: no other server can be on this port, and gunicorn cannot fail
    # to get it while something else answers in its place.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 (closed in the finally below)
    app = subprocess.Popen(
        [
            str(GUNICORN),
            "--config",
            str(REPO / "deploy" / "gunicorn.conf.py"),
            "--bind",
            f"fd://{listener.fileno()}",
            "--workers",
            "1",
            "--threads",
            "2",
            "newsroom.wsgi:application",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        pass_fds=(listener.fileno(),),
    )
    listener.close()
    base = f"http://127.0.0.1:{port}"
    try:

        def answers() -> bool:
            assert app.poll() is None, "gunicorn exited"
            return _get(base + "/healthz", timeout=2)[0] == 200

        _wait_for("gunicorn answers", answers, seconds=60)
        yield SimpleNamespace(
            url=base, process=app, log=tmp_path / "gunicorn.log", cache=request.param
        )
    finally:
        os.killpg(app.pid, signal.SIGTERM)
        try:
            app.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait(timeout=10)
        log.close()
        print((tmp_path / "gunicorn.log").read_text()[-4000:])  # shown when the test fails


ARTICLE = "/articles/rebels-is-agree-to-truce-in-south-damascus/"
# Pages that have to be rendered from the database during the outage.
UNCACHED_PAGES = ("/", "/sections/syria/", "/search/?q=truce")


def _requested_paths(log: Path) -> set[str]:
    """Every path gunicorn has answered so far, from its access log lines."""
    return set(re.findall(r'"GET (\S+) HTTP/', log.read_text()))


def test_site_answers_503_while_postgresql_is_down_and_recovers_without_a_restart(
    private_postgres, site_on
):
    site = site_on.url
    status, body = _get(site + ARTICLE)
    assert status == 200, body[:500]
    assert _get(site + "/healthz")[0] == 200

    private_postgres.stop()
    # pg_ctl -w has waited for the server to exit: its port refuses connections, and the
    # persistent connections gunicorn holds are dead (the health check must notice).
    assert _refuses_connections(private_postgres.port)
    # The page cache holds only pages this gunicorn was asked for, and none of these was.
    asked = _requested_paths(site_on.log)
    assert not asked & set(UNCACHED_PAGES), asked

    # The page cache is in the database by default, and goes with it.
    cache_state = "ok" if site_on.cache == "redis" else "unavailable"
    status, body = _get(site + "/healthz")
    assert status == 503
    assert json.loads(body) == {
        "status": "unavailable",
        "database": "unavailable",
        "cache": cache_state,
    }
    for page in UNCACHED_PAGES:
        status, body, headers = _get_with_headers(site + page)
        assert status == 503, (page, body[:500])
        assert "We will be back in a moment" in body
        assert "Traceback" not in body
        assert "OperationalError" not in body
        assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert style_sources(headers["Content-Security-Policy"]) == [
            "'self'",
            inline_style_source(body),
        ]
    status, body = _get(site + ARTICLE)
    if site_on.cache == "redis":
        # A page already in the page cache is still served: readers lose only what is not cached.
        assert status == 200
    else:
        # The cache went with the database: the same plain 503 page, and no traceback logged.
        assert status == 503
        assert "We will be back in a moment" in body
        assert "Traceback" not in site_on.log.read_text()

    private_postgres.start()

    # The same gunicorn process, never restarted: the broken persistent connection is dropped
    # and a new one opened by the next request.
    _wait_for("the site answers again", lambda: _get(site + "/")[0] == 200, seconds=30)
    assert _get(site + "/healthz")[0] == 200
    status, body = _get(site + "/sections/syria/")
    assert status == 200
    assert "truce" in body.lower()
    assert site_on.process.poll() is None, "gunicorn was restarted or died"
