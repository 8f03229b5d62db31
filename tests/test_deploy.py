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
import subprocess
import sys
from pathlib import Path

import pytest

from newsroom.logging import JsonFormatter

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"


def record(name="newsroom.test", msg="Saved “%s”", args=("خبر",), **extra) -> logging.LogRecord:
    made = logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, None)
    made.__dict__.update(extra)
    return made


def test_a_log_line_is_one_json_object_with_time_level_logger_message_and_extras():
    line = JsonFormatter().format(record(status_code=503))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "newsroom.test"
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
    assert "ValueError: bad" in entry["exception"] and "request" not in entry


def test_gunicorn_access_lines_have_named_fields():
    atoms = {"h": "127.0.0.1", "m": "GET", "U": "/healthz", "q": "", "s": "200", "B": "49",
             "D": "2500", "a": "curl/8", "{x-forwarded-for}i": "10.1.2.3"}  # fmt: skip
    entry = json.loads(JsonFormatter().format(record("gunicorn.access", "%(s)s", (atoms,))))
    assert entry["status"] == 200 and entry["duration_ms"] == 2.5 and entry["bytes"] == 49
    assert entry["path"] == "/healthz" and entry["forwarded_for"] == "10.1.2.3"
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
    assert default["workers"] >= 2 and default["timeout"] == 30
    assert (
        default["max_requests"] > 0 and 0 < default["max_requests_jitter"] < default["max_requests"]
    )
    assert default["accesslog"] == "-" and default["control_socket_disable"] is True
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
    assert no_bucket.returncode != 0 and "AWS_STORAGE_BUCKET_NAME" in no_bucket.stderr
    typo = settings_in_child(MEDIA_STORAGE="s4")
    assert typo.returncode != 0 and "MEDIA_STORAGE" in typo.stderr


def test_the_s3_storage_is_usable_with_only_a_bucket_name():
    from storages.backends.s3 import S3Storage

    storage = S3Storage(bucket_name="newsroom-media", location="media", file_overwrite=False)
    assert storage.bucket_name == "newsroom-media" and storage.location == "media"


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
    assert "server 127.0.0.1:18001" in copy and "listen 127.0.0.1:18000;" in copy
    assert "ssl_certificate" not in copy and "return 301" not in copy


def test_systemd_units_run_what_the_repository_has():
    units = DEPLOY / "systemd"
    service = (units / "newsroom.service").read_text()
    assert "gunicorn --config deploy/gunicorn.conf.py newsroom.wsgi:application" in service
    assert (REPO / "newsroom" / "wsgi.py").exists()
    job = (units / "newsroom-publish-scheduled.service").read_text()
    assert "manage.py publish_scheduled" in job
    assert (REPO / "articles" / "management" / "commands" / "publish_scheduled.py").exists()
    timer = (units / "newsroom-publish-scheduled.timer").read_text()
    assert "OnCalendar=*-*-* *:*:00" in timer and "Persistent=true" in timer
