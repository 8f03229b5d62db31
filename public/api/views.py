"""The wire API: read-only JSON for partners and apps (README.md, "The wire API").

- /api/ninjs/<slug>.json: one story as an IPTC ninjs 2.x item; a withdrawn one as
  pubstatus "canceled" with its public reason and nothing else; anything else 404.
- /api/ninjs/: the stories newest first, a page at a time, each page naming the next by an
  opaque signed cursor; ?since= (ISO 8601) keeps the stories published, changed, corrected or
  withdrawn since then, ?section= and ?tag= those of a section or tag (an unknown one, or a tag
  on no published story, gives an empty list, as a tag that never existed would), ?limit= 1-100.
- /api/: where the rest is. /api/schema/: the OpenAPI 3.1 description.
  /api/ninjs-schema.json: the JSON Schema of the items.

Every answer is JSON with an ETag (a matching If-None-Match gets 304) and
`Access-Control-Allow-Origin: *`: any page may read it, without credentials, with GET, HEAD or
OPTIONS; anything else is 405. Errors are JSON too: {"error": {"status", "message"}}.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from functools import wraps
from urllib.parse import urlencode

from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.csrf import csrf_exempt

from articles.models import Article, Correction
from articles.site_address import site_url
from articles.text import clean_text

from ..body import pictures_of_bodies
from . import ninjs
from .openapi import openapi_document, schema_document

JSON_TYPE = "application/json"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
ALLOWED_METHODS = ("GET", "HEAD", "OPTIONS")
CURSOR_SALT = "public.api.cursor"


class BadRequest(Exception):
    """A parameter the API cannot read: answered 400 with this message."""


def json_bytes(data: object) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=None).encode()


def cleaned(data: object) -> object:
    """Every text in `data` cleaned (articles.text): a lone surrogate or a control character
    stored before text was cleaned on the way in must not break the JSON or a partner's parser."""
    if isinstance(data, str):
        return clean_text(data)
    if isinstance(data, dict):
        return {key: cleaned(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [cleaned(value) for value in data]
    return data


def cors(response: HttpResponse) -> HttpResponse:
    """Read-only CORS: any origin may read, no credentials, only the safe methods."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag, Link"
    return response


def error(status: int, message: str) -> HttpResponse:
    response = HttpResponse(
        json_bytes({"error": {"status": status, "message": message}}),
        content_type=JSON_TYPE,
        status=status,
    )
    patch_cache_control(response, max_age=0, must_revalidate=True)
    return cors(response)


def api_view(view: Callable[..., object]) -> Callable[..., HttpResponse]:
    """A read-only API view: `view` returns the data; this answers OPTIONS (CORS preflight) and
    refuses other methods with 405, writes the JSON with its ETag and answers If-None-Match."""

    @csrf_exempt  # nothing here writes: a POST is refused with 405 below, not with 403
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Allow"] = ", ".join(ALLOWED_METHODS)
            response["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
            response["Access-Control-Allow-Headers"] = "If-None-Match, Accept"
            response["Access-Control-Max-Age"] = "86400"
            return cors(response)
        if request.method not in ("GET", "HEAD"):
            response = error(405, f"{request.method} is not allowed: this API is read-only.")
            response["Allow"] = ", ".join(ALLOWED_METHODS)
            return response
        try:
            result = view(request, *args, **kwargs)
        except BadRequest as refusal:
            return error(400, str(refusal))
        if isinstance(result, HttpResponse):
            return cors(result)
        headers: dict[str, str] = {}
        if isinstance(result, tuple):
            result, headers = result
        content = json_bytes(cleaned(result))
        response = HttpResponse(content, content_type=JSON_TYPE)
        for name, value in headers.items():
            response[name] = value
        response["ETag"] = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        # Partners may keep an answer but ask again each time; unchanged, it costs a 304.
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
        conditional = get_conditional_response(request, etag=response["ETag"], response=response)
        if conditional is not None and conditional.status_code == 304:
            for name in ("Link",):
                if name in response:
                    conditional[name] = response[name]
            return cors(conditional)
        return cors(response)

    return wrapper


# Cursors ---------------------------------------------------------------------------------------


def make_cursor(article: Article) -> str:
    """An opaque, signed token for the place after `article` in the newest-first order."""
    assert article.published_at is not None  # every story on the wire has been published
    return signing.dumps([article.published_at.isoformat(), article.pk], salt=CURSOR_SALT)


def read_cursor(token: str) -> tuple[datetime, int]:
    try:
        moment, pk = signing.loads(token, salt=CURSOR_SALT)
        at = datetime.fromisoformat(moment)
        if not isinstance(pk, int) or at.tzinfo is None:
            raise ValueError
    except (signing.BadSignature, ValueError, TypeError):
        raise BadRequest(
            "The cursor is not one this API gave: follow the `next` address of a listing."
        ) from None
    return at, pk


def read_since(value: str) -> datetime:
    """An ISO 8601 date or date and time; one without a time zone is taken as UTC."""
    text = value.strip()
    # A '+' left unencoded in a query string arrives as a space: "10:00:00 03:00".
    if len(text) > 19 and text[-6] == " " and text[-5:-3].isdigit():
        text = f"{text[:-6]}+{text[-5:]}"
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(
            f"since={value!r} is not an ISO 8601 time: give one such as "
            "2026-12-01T09:30:00Z or 2026-12-01."
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def read_limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(value)


# Views -----------------------------------------------------------------------------------------


@api_view
def story(request: HttpRequest, slug: str):
    """One story as a ninjs item; a withdrawn one as canceled; anything else 404."""
    article = ninjs.wire_queryset().filter(slug=slug).first()
    if article is None:
        return error(404, "No published story has this address.")
    withdrawn = article.status == Article.Status.WITHDRAWN
    images = {} if withdrawn else pictures_of_bodies([article.body])
    return ninjs.item_for(article, images)


LISTING_PARAMETERS = ("since", "section", "tag", "limit")


@api_view
def listing(request: HttpRequest):
    """The stories newest first, `limit` at a time, with the address of the next page."""
    params = request.GET
    limit = read_limit(params.get("limit"))
    stories = ninjs.wire_queryset()
    if params.get("since"):
        since = read_since(params["since"])
        corrected = Correction.objects.filter(article=OuterRef("pk"), created_at__gte=since)
        stories = stories.filter(
            Q(published_at__gte=since) | Q(updated_at__gte=since) | Exists(corrected)
        )
    if "section" in params:
        stories = stories.filter(section__slug=params["section"])
    if "tag" in params:
        stories = stories.filter(tags__slug=params["tag"])
    if params.get("cursor"):
        at, pk = read_cursor(params["cursor"])
        stories = stories.filter(Q(published_at__lt=at) | Q(published_at=at, pk__lt=pk))
    page = list(stories.order_by("-published_at", "-pk")[: limit + 1])
    more, page = len(page) > limit, page[:limit]
    live = [article for article in page if article.status != Article.Status.WITHDRAWN]
    images = pictures_of_bodies([article.body for article in live])
    next_url = None
    headers = {}
    if more:
        kept = [(name, params[name]) for name in LISTING_PARAMETERS if name in params]
        query = urlencode([*kept, ("cursor", make_cursor(page[-1]))])
        next_url = f"{site_url()}{request.path}?{query}"
        headers["Link"] = f'<{next_url}>; rel="next"'
    return {"items": [ninjs.item_for(a, images) for a in page], "next": next_url}, headers


@api_view
def index(request: HttpRequest):
    """Where things are: the listing, the description and the schema."""
    return {
        "stories": f"{site_url()}/api/ninjs/",
        "openapi": f"{site_url()}/api/schema/",
        "schema": f"{site_url()}/api/ninjs-schema.json",
    }


@api_view
def openapi(request: HttpRequest):
    return openapi_document()


@api_view
def item_schema(request: HttpRequest):
    return schema_document()
