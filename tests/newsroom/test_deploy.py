"""Deployment files: JSON log lines, gunicorn settings, the nginx site, media storage by setting.

The whole stack is exercised by deploy/smoke.sh and deploy/soak.py; these are the quick checks
that run with the suite.
"""

import json
import logging
import os
import re
import runpy
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import pytest

from newsroom.logging import JsonFormatter

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def record(name="newsroom.test", msg="Saved “%s”", args=("خبر",), **extra) -> logging.LogRecord:
    made = logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, None)
    made.__dict__.update(extra)
    return made


def test_a_log_line_is_one_json_object_with_time_level_logger_message_and_extras():
    line = JsonFormatter().format(record(status_code=503))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "newsroom.test"
    assert entry["message"] == "Saved “خبر”"
    assert entry["status_code"] == 503
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])


def test_a_log_line_carries_the_traceback_and_the_request_without_the_request_object(rf):
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        made = record(request=rf.get("/articles/x/?q=1"))
        made.exc_info = sys.exc_info()
    line = JsonFormatter().format(made)
    assert "\n" not in line
    entry = json.loads(line)
    assert (entry["method"], entry["path"]) == ("GET", "/articles/x/")
    assert "ValueError: bad" in entry["exception"]
    assert "request" not in entry


def test_gunicorn_access_lines_have_named_fields():
    atoms = {"h": "127.0.0.1", "m": "GET", "U": "/healthz", "q": "", "s": "200", "B": "49",
             "D": "2500", "a": "curl/8", "{x-forwarded-for}i": "10.1.2.3"}  # fmt: skip
    entry = json.loads(JsonFormatter().format(record("gunicorn.access", "%(s)s", (atoms,))))
    assert entry["status"] == 200
    assert entry["duration_ms"] == 2.5
    assert entry["bytes"] == 49
    assert entry["path"] == "/healthz"
    assert entry["forwarded_for"] == "10.1.2.3"
    assert entry["message"] == "GET /healthz 200"


def load_gunicorn_config(**env: str) -> dict:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_gunicorn_settings_come_from_the_environment_with_sane_defaults():
    default = load_gunicorn_config()
    assert default["workers"] >= 2
    assert default["timeout"] == 30
    assert default["max_requests"] > 0
    assert 0 < default["max_requests_jitter"] < default["max_requests"]
    assert default["accesslog"] == "-"
    assert default["control_socket_disable"] is True
    tuned = load_gunicorn_config(GUNICORN_WORKERS="3", GUNICORN_THREADS="4", GUNICORN_TIMEOUT="20")
    assert (tuned["workers"], tuned["threads"], tuned["worker_class"]) == (3, 4, "gthread")
    assert tuned["timeout"] == 20


def test_gunicorn_json_logging_configuration_is_accepted_by_logging():
    # In a child process: dictConfig replaces the logging set-up of whoever calls it.
    code = (
        "import logging.config, runpy, sys; "
        "c = runpy.run_path(sys.argv[1])['logconfig_dict']; logging.config.dictConfig(c); "
        "logging.getLogger('gunicorn.error').info('booted')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(DEPLOY / "gunicorn.conf.py")],
        env={**os.environ, "LOG_FORMAT": "json"}, cwd=REPO, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stderr.strip().splitlines()[-1])["message"] == "booted"


def settings_in_child(**env: str) -> subprocess.CompletedProcess:
    code = "import newsroom.settings as s; print(s.STORAGES['default']['BACKEND'])"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MEDIA_", "AWS_"))}
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, cwd=REPO, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip


def test_media_goes_to_the_file_system_unless_s3_is_chosen_with_a_bucket():
    assert settings_in_child().stdout.strip() == "django.core.files.storage.FileSystemStorage"
    chosen = settings_in_child(MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="newsroom-media")
    assert chosen.stdout.strip() == "storages.backends.s3.S3Storage", chosen.stderr
    no_bucket = settings_in_child(MEDIA_STORAGE="s3")
    assert no_bucket.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in no_bucket.stderr
    typo = settings_in_child(MEDIA_STORAGE="s4")
    assert typo.returncode != 0
    assert "MEDIA_STORAGE" in typo.stderr


def test_the_s3_storage_is_usable_with_only_a_bucket_name():
    from storages.backends.s3 import S3Storage

    storage = S3Storage(bucket_name="newsroom-media", location="media", file_overwrite=False)
    assert storage.bucket_name == "newsroom-media"
    assert storage.location == "media"


def test_nginx_upload_limit_matches_the_image_cap(settings):
    site = (DEPLOY / "nginx" / "newsroom.conf").read_text()
    limit = re.search(r"client_max_body_size (\d+)m;", site)
    assert limit, "client_max_body_size missing"
    assert int(limit.group(1)) * 1024 * 1024 >= settings.IMAGE_MAX_BYTES
    assert int(limit.group(1)) * 1024 * 1024 <= settings.IMAGE_MAX_BYTES + 2 * 1024 * 1024
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (Debian: nginx)")
def test_the_nginx_site_file_is_valid_nginx(tmp_path):
    # deploy/stack.sh turns the site file into its loopback copy; nginx -t checks every directive.
    script = (
        f". {DEPLOY / 'stack.sh'}; APP_A_PORT=18001 APP_B_PORT=18002 NGINX_PORT=18000 "
        f"stack_nginx_config {tmp_path} && nginx -t -q -c {tmp_path}/nginx.conf -p {tmp_path}"
    )
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    copy = (tmp_path / "nginx-site.conf").read_text()
    assert "server 127.0.0.1:18001" in copy
    assert "listen 127.0.0.1:18000;" in copy
    assert "ssl_certificate" not in copy
    assert "return 301" not in copy


def test_systemd_units_run_what_the_repository_has():
    units = DEPLOY / "systemd"
    service = (units / "newsroom.service").read_text()
    assert "gunicorn --config deploy/gunicorn.conf.py newsroom.wsgi:application" in service
    assert (REPO / "newsroom" / "wsgi.py").exists()
    job = (units / "newsroom-publish-scheduled.service").read_text()
    assert "manage.py publish_scheduled" in job
    assert (REPO / "articles" / "management" / "commands" / "publish_scheduled.py").exists()
    timer = (units / "newsroom-publish-scheduled.timer").read_text()
    assert "OnCalendar=*-*-* *:*:00" in timer
    assert "Persistent=true" in timer


def test_the_worker_unit_runs_the_task_worker_as_the_app_servers_run():
    """newsroom-worker.service runs the database backend's worker with the app's code, user and
    settings, restarts it whenever it stops, and lets it write renditions to the media folder."""
    from django.core.management import get_commands

    from newsroom import settings  # as written, not as the tests run tasks

    units = DEPLOY / "systemd"
    worker = systemd_unit(units / "newsroom-worker.service")
    app = systemd_unit(units / "newsroom.service")
    assert worker["ExecStart"].startswith("/srv/newsroom/.venv/bin/python manage.py db_worker")
    assert get_commands()["db_worker"] == "django_tasks_db"
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    for key in ("User", "Group", "WorkingDirectory", "EnvironmentFile", "ReadWritePaths"):
        assert worker[key] == app[key], key
    assert worker["Restart"] == "always"
    assert worker["NoNewPrivileges"] == "true"
    assert worker["ProtectSystem"] == "strict"
    assert worker["WantedBy"] == "multi-user.target"


def test_old_task_records_are_pruned_every_night_by_a_timer(db, settings):
    """The prune job runs the backend's own command with options it accepts, over every queue,
    as the app servers' user and settings."""
    import shlex

    from django.core.management import call_command

    units = DEPLOY / "systemd"
    job = systemd_unit(units / "newsroom-prune-tasks.service")
    app = systemd_unit(units / "newsroom.service")
    command = shlex.split(job["ExecStart"])
    assert command[:3] == ["/srv/newsroom/.venv/bin/python", "manage.py", "prune_db_task_results"]
    for key in ("User", "Group", "WorkingDirectory", "EnvironmentFile"):
        assert job[key] == app[key], key
    timer = systemd_unit(units / "newsroom-prune-tasks.timer")
    assert timer["OnCalendar"] == "*-*-* 03:30:00"
    assert timer["Persistent"] == "true"
    # The options are the command's own: a dry run with them is accepted by the database
    # backend that production uses (the tests run tasks at once).
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command(*command[2:], "--dry-run", verbosity=0)


def systemd_unit(path) -> dict[str, str]:
    """A unit file's settings, the last of each name (comments and section headers aside)."""
    values = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def media_block(text: str) -> str:
    """The `location /media/ { ... }` block, indentation aside."""
    found = re.search(r"^( *)location /media/ \{\n.*?^\1\}", text, re.MULTILINE | re.DOTALL)
    assert found, "no location /media/ block"
    return "\n".join(line.strip() for line in found.group(0).splitlines())


def test_the_nginx_media_block_is_the_one_the_security_checklist_prescribes():
    site = (DEPLOY / "nginx" / "newsroom.conf").read_text()
    checklist = (REPO / "SECURITY.md").read_text()
    assert media_block(site) == media_block(checklist)


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (Debian: nginx)")
def test_nginx_serves_media_as_images_only():
    from PIL import Image

    port = _free_port()
    root = Path(tempfile.mkdtemp(prefix="newsroom-nginx-"))
    root.chmod(0o755)  # nginx's workers read the media folder as nobody
    script = (
        f". {DEPLOY / 'stack.sh'}; APP_A_PORT=9 APP_B_PORT=9 NGINX_PORT={port} "
        f"stack_nginx_config {root}"
    )
    subprocess.run(["bash", "-c", script], check=True, capture_output=True, timeout=60)
    media = root / "media"
    media.mkdir()
    Image.new("RGB", (2, 2), "red").save(media / "photo.png")
    for name in ("page.html", "drawing.svg", "photo.png.html", "notes.txt"):
        (media / name).write_text("<html><script>alert(1)</script></html>")
    for path in media.iterdir():
        path.chmod(0o644)
    nginx = subprocess.Popen(
        ["nginx", "-c", str(root / "nginx.conf"), "-p", str(root), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}/media/"
        deadline = time.monotonic() + 20
        while True:
            try:
                image = urllib.request.urlopen(base + "photo.png", timeout=5)
                break
            except OSError:
                assert nginx.poll() is None, "nginx did not start"
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.2)
        assert image.status == 200
        assert image.headers["Content-Type"] == "image/png"
        assert image.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in image.headers["Content-Security-Policy"]
        for name in ("page.html", "drawing.svg", "photo.png.html", "notes.txt"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(base + name, timeout=5)
            assert refused.value.code == 404, name
    finally:
        nginx.terminate()
        nginx.wait(timeout=20)
        shutil.rmtree(root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_app_servers_trust_one_proxy_hop_for_the_sign_in_address():
    # Behind one nginx: django-axes reads the reader's address from X-Forwarded-For
    # (newsroom/security.py client_ip), not nginx's, so a lockout is per reader, not global.
    assert re.search(r"^TRUSTED_PROXY_COUNT=1$", (DEPLOY / "stack.sh").read_text(), re.MULTILINE)
    assert "TRUSTED_PROXY_COUNT=1" in (DEPLOY / "systemd" / "newsroom.service").read_text()


def test_gunicorn_keeps_shareable_previews_out_of_its_access_log():
    """Preview openings are recorded by when, never by who: no access line for /preview/."""
    from types import SimpleNamespace

    logger_class = load_gunicorn_config()["logger_class"]
    logger = logger_class.__new__(logger_class)
    seen = []
    with mock.patch("gunicorn.glogging.Logger.access", lambda *args: seen.append(args[3])):
        for path in ("/preview/abc.def/", "/articles/a-story/"):
            logger.access(SimpleNamespace(), SimpleNamespace(), {"PATH_INFO": path}, None)
    assert [environ["PATH_INFO"] for environ in seen] == ["/articles/a-story/"]
