"""gunicorn settings for Newsroom: `gunicorn -c deploy/gunicorn.conf.py newsroom.wsgi`.

Every value can be changed from the environment, so one file serves every app server. Logs go
to stdout (access) and stderr (errors) for systemd's journal or the container runtime; with
LOG_FORMAT=json both are JSON lines, formatted by newsroom/logging.py like Django's own.
"""

import multiprocessing
import os

from gunicorn import glogging


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# The admin is synchronous and pages wait on PostgreSQL: sync workers, about two per core.
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9))
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

# A request that takes longer than this is stuck: the worker is killed and replaced.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Behind nginx, which holds idle client connections itself.
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Recycle each worker after about this many requests, spread out by the jitter so that the
# workers do not all restart at once; keeps any slow leak in a library bounded.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# Only nginx on the same host talks to gunicorn; trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")  # "-" is stdout
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")  # "-" is stderr
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(B)s %(D)sus "%(a)s" forwarded_for="%({x-forwarded-for}i)s"'
)


class AccessLogger(glogging.Logger):
    """Gunicorn's logger, less the access lines of shareable previews (/preview/<token>/).

    The desk records when a preview link was opened and never who opened it; an access line
    would put the opener's address (X-Forwarded-For) and browser beside the secret address.
    nginx leaves them out of its log for the same reason (deploy/nginx/newsroom.conf).
    """

    def access(self, resp, req, environ, request_time):
        if str(environ.get("PATH_INFO", "")).startswith("/preview/"):
            return
        super().access(resp, req, environ, request_time)


logger_class = AccessLogger

if os.environ.get("LOG_FORMAT") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "newsroom.logging.JsonFormatter"}},
        "handlers": {
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
            "error": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"handlers": ["error"], "level": "INFO"},
        "loggers": {
            "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
        },
    }

# gunicorn 25+ opens a control socket at one fixed path per user, which two instances on one host
# (as in deploy/smoke.sh) would fight over: off unless a path is given.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
if control_socket_disable:
    del control_socket

# Load the application before forking: workers share its memory, and a broken settings module
# fails at start rather than in every worker.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"


def post_fork(server, worker):
    # Connections opened while preloading (none are expected) must not be shared by workers.
    from django.conf import settings

    if settings.configured:
        from django.db import connections

        connections.close_all()
