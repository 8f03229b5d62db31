"""One JSON object per log line on stdout, for LOG_FORMAT=json (journald, Loki, CloudWatch...).

Written here rather than added as a dependency: it is one small class. Each line carries the
time (UTC, ISO 8601), level, logger and message, the traceback when there is one, the request's
method and path and the response's status when Django logs a request, and gunicorn's access
fields when gunicorn's access logger is routed through it (deploy/gunicorn.conf.py).
"""

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from `extra=` and is kept.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON, never raising whatever the record carries."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            entry.update(self._access_fields(record.args))
            entry["message"] = f"{entry['method']} {entry['path']} {entry['status']}"
        else:
            entry["message"] = record.getMessage()
        for name, value in vars(record).items():
            if name in _STANDARD or name.startswith("_"):
                continue
            if name == "request":
                # Django's request loggers pass the HttpRequest itself.
                entry["method"] = getattr(value, "method", None)
                entry["path"] = getattr(value, "path", None)
                continue
            entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)

    @staticmethod
    def _access_fields(atoms: dict) -> dict[str, Any]:
        """gunicorn's access atoms (h, m, U, q, s, B, D, a...) under readable names."""

        def number(key: str) -> int | None:
            value = atoms.get(key)
            return int(value) if isinstance(value, (int, str)) and str(value).isdigit() else None

        duration_us = number("D")
        return {
            "remote": atoms.get("h"),
            "method": atoms.get("m"),
            "path": atoms.get("U"),
            "query": atoms.get("q") or None,
            "status": number("s") if number("s") is not None else atoms.get("s"),
            "bytes": number("B"),
            "duration_ms": round(duration_us / 1000, 1) if duration_us is not None else None,
            "user_agent": atoms.get("a"),
            "forwarded_for": atoms.get("{x-forwarded-for}i"),
        }


def logging_config(log_format: str, *, level: str) -> dict:
    """Django's LOGGING: plain lines on stderr, or one JSON object per line on stdout."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "json": {"()": "newsroom.logging.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                # JSON for the app servers' collector on stdout; plain lines stay on stderr, out
                # of the way of what management commands print (dumpdata > file).
                "stream": "ext://sys.stdout" if log_format == "json" else "ext://sys.stderr",
                "formatter": "json" if log_format == "json" else "plain",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django adds a console handler of its own while debugging; one line per message is
            # enough.
            "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "django.db.backends": {"level": "WARNING"},
        },
    }
