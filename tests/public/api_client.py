"""Reading the wire API in tests: every answer is checked against the JSON Schema the API
publishes (public/api/ninjs-schema.json), whatever the test then looks at."""

import json
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

import public.api

SCHEMA = json.loads((Path(public.api.__file__).parent / "ninjs-schema.json").read_text())
SCHEMA_ID = SCHEMA["$id"]
REGISTRY = Registry().with_resource(SCHEMA_ID, Resource.from_contents(SCHEMA))

# jsonschema checks "uri" and "date-time" only with optional packages; these are our own, and
# stricter: an absolute address, and RFC 3339 with its offset.
FORMATS = FormatChecker(formats=())


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    if parts.scheme in ("http", "https"):
        return bool(parts.netloc) and " " not in value
    return parts.scheme == "urn" and bool(parts.path)


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if "T" not in value or not (value.endswith("Z") or value[-6] in "+-"):
        return False
    datetime.fromisoformat(value)
    return True


def validator(definition: str | None = None) -> Draft202012Validator:
    schema = {"$ref": f"{SCHEMA_ID}#/$defs/{definition}"} if definition else SCHEMA
    return Draft202012Validator(schema, registry=REGISTRY, format_checker=FORMATS)


ITEM = validator()
LISTING = validator("listing")
ERROR = validator("error")


def check_answer(path: str, status: int, content_type: str, body: bytes) -> object:
    """Check one answer of the API: JSON, and valid against the schema for what it is."""
    if status in (204, 304):
        assert body == b"", path
        return None
    assert content_type == "application/json", (path, content_type)
    data = json.loads(body)
    if status >= 400:
        ERROR.validate(data)
    elif path.startswith("/api/ninjs/") and path.endswith(".json"):
        ITEM.validate(data)
    elif path == "/api/ninjs/":
        LISTING.validate(data)
    elif path == "/api/ninjs-schema.json":
        assert data == SCHEMA
    elif path == "/api/schema/":
        assert data["openapi"].startswith("3.1")
    elif path == "/api/":
        assert set(data) == {"stories", "openapi", "schema"}
    else:
        raise AssertionError(f"not an API address: {path}")
    return data


def api(client, url: str, method: str = "get", **headers):
    """Ask the API with Django's test client; the response, checked, with `.data` its JSON."""
    response = getattr(client, method)(url, **headers)
    path = urlsplit(url).path
    response.data = check_answer(
        path, response.status_code, response.get("Content-Type", ""), response.content
    )
    return response
