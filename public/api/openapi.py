"""The API's description: the JSON Schema of its items (ninjs-schema.json, read once) and the
OpenAPI 3.1 document that embeds it."""

import copy
import functools
import json
from pathlib import Path

from django.conf import settings

from articles.site_address import site_url

SCHEMA_PATH = Path(__file__).with_name("ninjs-schema.json")
SCHEMA_ID = "urn:newsroom:api:ninjs-item:2.1"


@functools.cache
def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def schema_document() -> dict:
    """The JSON Schema every item of the API is valid against."""
    return copy.deepcopy(_schema())


def _json(schema_ref: str, description: str) -> dict:
    return {
        "description": description,
        "headers": {
            "ETag": {"schema": {"type": "string"}, "description": "Send it back in If-None-Match."},
            "Access-Control-Allow-Origin": {"schema": {"const": "*"}},
        },
        "content": {"application/json": {"schema": {"$ref": schema_ref}}},
    }


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


COMMON_RESPONSES = {
    "304": {"description": "Not modified: the If-None-Match ETag is still current."},
    "405": _error("Any method but GET, HEAD and OPTIONS: the API is read-only."),
}


def openapi_document() -> dict:
    """OpenAPI 3.1 description of the wire API (README.md, "The wire API")."""
    item = "#/components/schemas/NinjsItem"
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": f"{settings.SITE_NAME} wire API",
            "version": "1.0.0",
            "description": (
                "Read-only JSON for partners and apps: every published story as an IPTC ninjs "
                "2.x news item, and a listing of them newest first. No key is needed; any "
                "origin may read it (CORS, without credentials). Withdrawn stories appear with "
                "pubstatus 'canceled' and their public reason in ednote, and nothing else. "
                "Every answer has an ETag; send it in If-None-Match to get 304 while nothing "
                "changed."
            ),
        },
        "servers": [{"url": site_url()}],
        "paths": {
            "/api/ninjs/": {
                "get": {
                    "operationId": "listStories",
                    "summary": "Stories, newest first, a page at a time",
                    "description": (
                        "Ordered by publication time, newest first. Follow `next` (also in the "
                        "Link header, rel=next) to the last page, whose `next` is null. The "
                        "cursor is opaque and signed; filters are carried in `next`."
                    ),
                    "parameters": [
                        {
                            "name": "since",
                            "in": "query",
                            "description": (
                                "ISO 8601 date or date and time (UTC if it names no offset): "
                                "only stories published, changed, corrected or withdrawn at or "
                                "after it. Anything else is a 400."
                            ),
                            "schema": {"type": "string"},
                            "example": "2026-12-01T09:30:00Z",
                        },
                        {
                            "name": "section",
                            "in": "query",
                            "description": (
                                "A section's slug (subjects[].literal with rel 'section'). An "
                                "unknown one gives an empty list."
                            ),
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "tag",
                            "in": "query",
                            "description": (
                                "A tag's slug (subjects[].literal with rel 'tag'). An unknown "
                                "one, or one on no published story, gives an empty list."
                            ),
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "description": "Items per page.",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": 100,
                                "default": 20,
                            },
                        },
                        {
                            "name": "cursor",
                            "in": "query",
                            "description": "Where a page starts: only as given in `next`.",
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": _json("#/components/schemas/NinjsListing", "A page of the listing."),
                        "400": _error("A since, limit or cursor that cannot be read."),
                        **COMMON_RESPONSES,
                    },
                }
            },
            "/api/ninjs/{slug}.json": {
                "get": {
                    "operationId": "getStory",
                    "summary": "One story as a ninjs item",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "description": "The story's address on the site: /articles/<slug>/.",
                            "schema": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
                        }
                    ],
                    "responses": {
                        "200": _json(item, "The story; a withdrawn one as canceled."),
                        "404": _error("No published or withdrawn story has this address."),
                        **COMMON_RESPONSES,
                    },
                }
            },
            "/api/": {
                "get": {
                    "operationId": "getIndex",
                    "summary": "The addresses of the listing, this description and the schema",
                    "responses": {
                        "200": {
                            "description": "Absolute addresses.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["stories", "openapi", "schema"],
                                        "additionalProperties": {"type": "string", "format": "uri"},
                                    }
                                }
                            },
                        },
                        **COMMON_RESPONSES,
                    },
                }
            },
            "/api/schema/": {
                "get": {
                    "operationId": "getOpenAPI",
                    "summary": "This description",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1, as JSON.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **COMMON_RESPONSES,
                    },
                }
            },
            "/api/ninjs-schema.json": {
                "get": {
                    "operationId": "getItemSchema",
                    "summary": "The JSON Schema (draft 2020-12) of the items",
                    "responses": {
                        "200": {
                            "description": "Written from IPTC's ninjs 2.x specification.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **COMMON_RESPONSES,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "NinjsItem": schema_document(),
                "NinjsListing": {"$ref": f"{SCHEMA_ID}#/$defs/listing"},
                "Error": {"$ref": f"{SCHEMA_ID}#/$defs/error"},
            }
        },
    }
