"""The wire API (public/api/): stories as IPTC ninjs 2.x JSON, as a partner reads them.

Every answer is checked against the JSON Schema the API publishes (tests/public/api_client.py).
"""

import json
import re
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from articles.models import Article, Byline, Correction
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    ContributorFactory,
    ImageFactory,
    InterviewArticleFactory,
    SectionFactory,
)
from tests.public.api_client import ITEM, SCHEMA, api, check_answer

# The page cache (feeds, story pages) is off: one test's feed must not answer another's.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]

SITE = "https://news.example"
NOW = timezone.now()


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def credited(article, **people):
    """Credit each role=name on `article`, in that order."""
    for position, (role, name) in enumerate(people.items()):
        BylineFactory(
            article=article,
            contributor=ContributorFactory(name=name),
            role=role,
            position=position,
        )


@pytest.fixture
def full_story():
    """A translated story with every kind of credit, tags, pictures and a correction."""
    picture = ImageFactory(caption="The queue at dawn.", credit="Photo: Rami")
    article = ArticleFactory(
        published=True,
        headline="Bakeries reopen in Douma",
        dek="Flour arrived on Tuesday.",
        body=f'<p>The first loaves sold out.</p><img data-image="{picture.pk}" alt="Queue">'
        '<p>See <a href="/sections/syria/">more</a>.</p>',
        section=SectionFactory(name="Syria"),
        tags=["Bread", "Douma"],
        lead_image=ImageFactory(),
        original_language="ar",
        source_headline="المخابز تفتح أبوابها في دوما",
        source_dek="وصل الطحين يوم الثلاثاء.",
        source_body="نفدت الأرغفة الأولى.\n\nفقرة ثانية.",
    )
    credited(
        article,
        author="Hala Nasser",
        interviewer="Omar Said",
        translator="Lina Haddad",
        photographer="Rami Khalil",
    )
    Correction.objects.create(article=article, text="An earlier version misnamed the bakery.")
    return article


def people(item) -> dict[str, str]:
    return {person["name"]: person["rel"] for person in item.get("people", [])}


# One story -------------------------------------------------------------------------------------


def test_a_story_is_a_ninjs_item_with_everything_a_partner_needs(client, full_story):
    response = api(client, f"/api/ninjs/{full_story.slug}.json")
    assert response.status_code == 200
    item = response.data
    page = f"{SITE}/articles/{full_story.slug}/"
    assert item["uri"] == page
    assert item["standard"]["name"] == "ninjs"
    assert item["pubstatus"] == "usable"
    assert item["language"] == "en"
    assert item["headlines"] == [{"role": "main", "value": "Bakeries reopen in Douma"}]
    assert item["descriptions"][0]["value"] == "Flour arrived on Tuesday."
    main = item["bodies"][0]
    assert main["role"] == "main"
    assert main["contenttype"] == "text/html"
    assert "<p>The first loaves sold out.</p>" in main["value"]
    # Addresses in the body are absolute: a partner's page is elsewhere.
    assert f'href="{SITE}/sections/syria/"' in main["value"]
    assert re.search(rf'<img src="{re.escape(SITE)}/media/', main["value"])
    assert 'src="/' not in main["value"]
    assert 'srcset="/' not in main["value"]
    # The credits, each with its role.
    assert people(item) == {
        "Hala Nasser": "writer",
        "Omar Said": "interviewer",
        "Lina Haddad": "translator",
        "Rami Khalil": "photographer",
    }
    assert item["by"].startswith("By Hala Nasser")
    # Tags (and the section) as subjects.
    subjects = {(s["rel"], s["literal"]) for s in item["subjects"]}
    assert subjects == {("section", "syria"), ("tag", "bread"), ("tag", "douma")}
    # The correction, dated, as a body of its own.
    (correction,) = [b for b in item["bodies"] if b["role"] == "correction"]
    assert correction["contenttype"] == "text/plain"
    assert correction["value"].startswith("Correction, ")
    assert correction["value"].endswith("An earlier version misnamed the bakery.")
    # Pictures with their renditions, and the original-language text with its own address.
    associations = {a["name"]: a for a in item["associations"]}
    assert set(associations) == {"leadimage", "picture1", "original"}
    for name in ("leadimage", "picture1"):
        renditions = associations[name]["renditions"]
        assert renditions
        assert all(r["href"].startswith(f"{SITE}/media/renditions/") for r in renditions)
        assert {r["contenttype"] for r in renditions} >= {"image/webp"}
    assert {"role": "caption", "contenttype": "text/plain", "value": "The queue at dawn."} in (
        associations["picture1"]["descriptions"]
    )
    original = associations["original"]
    assert original["uri"] == f"{page}original/"
    assert original["language"] == "ar"
    assert original["headlines"][0]["value"] == "المخابز تفتح أبوابها في دوما"
    assert "<p>نفدت الأرغفة الأولى.</p>" in original["bodies"][0]["value"]


def test_an_interview_carries_its_questions_and_answers(client):
    interview = InterviewArticleFactory(published=True, exchange_count=2)
    item = api(client, f"/api/ninjs/{interview.slug}.json").data
    body = item["bodies"][0]["value"]
    assert "Q: Question number" in body
    assert "The first paragraph of the answer." in body
    assert item["genres"] == [{"name": "Interview", "literal": "interview"}]


@pytest.mark.parametrize(
    "state",
    [
        {"status": Article.Status.DRAFT},
        {"status": Article.Status.EDITING},
        {"status": Article.Status.APPROVED, "published_at": NOW - timedelta(hours=1)},
        {"status": Article.Status.SCHEDULED, "published_at": NOW + timedelta(hours=3)},
        {"status": Article.Status.WITHDRAWN, "published_at": NOW + timedelta(hours=3)},
    ],
    ids=["draft", "editing", "approved", "scheduled", "withdrawn-before-going-live"],
)
def test_stories_readers_cannot_see_are_not_found_nor_listed(client, state):
    article = ArticleFactory(headline="Secret plan", body="<p>Unpublished words.</p>", **state)
    response = api(client, f"/api/ninjs/{article.slug}.json")
    assert response.status_code == 404
    assert b"Secret plan" not in response.content
    listing = api(client, "/api/ninjs/")
    assert listing.data["items"] == []


def test_a_withdrawn_story_is_canceled_and_says_nothing_but_why(client, full_story):
    Article.objects.filter(pk=full_story.pk).update(
        status=Article.Status.WITHDRAWN,
        withdrawn_reason="The bakery asked us to protect its staff.",
        updated_at=NOW,
    )
    for response in (
        api(client, f"/api/ninjs/{full_story.slug}.json"),
        api(client, "/api/ninjs/"),
    ):
        assert response.status_code == 200
        text = response.content.decode()
        secrets = ("Bakeries reopen", "Flour", "loaves", "Hala", "Lina", "Bread", "Syria", "دوما")
        for secret in (*secrets, '"ar"', "original", "media", "contributors"):
            assert secret not in text, secret
    item = api(client, f"/api/ninjs/{full_story.slug}.json").data
    assert item["pubstatus"] == "canceled"
    assert item["uri"] == f"{SITE}/articles/{full_story.slug}/"
    assert item["ednote"] == "Withdrawn: The bakery asked us to protect its staff."
    assert "bodies" not in item
    assert "headlines" not in item
    assert api(client, "/api/ninjs/").data["items"] == [item]


def test_unknown_story_is_a_json_404(client):
    response = api(client, "/api/ninjs/no-such-story.json")
    assert response.status_code == 404
    assert response.data["error"]["status"] == 404


# The listing -----------------------------------------------------------------------------------


def stories(count: int, **fields) -> list[Article]:
    """`count` published stories, an hour apart, newest first."""
    return [
        ArticleFactory(published=True, published_at=NOW - timedelta(hours=n + 1), **fields)
        for n in range(count)
    ]


def follow(client, url: str) -> tuple[list[dict], int]:
    """Every item of a listing, following `next` to the end; and how many pages it took."""
    items, pages = [], 0
    while url:
        response = api(client, url)
        assert response.status_code == 200
        items += response.data["items"]
        pages += 1
        url = response.data["next"]
        if url:
            assert response["Link"] == f'<{url}>; rel="next"'
            assert url.startswith(f"{SITE}/api/ninjs/?")
            assert "page=" not in url
    return items, pages


def test_listing_is_newest_first_and_its_cursor_goes_through_every_story_once(client):
    made = stories(5)
    # Two at the same time: the cursor still tells them apart.
    same_time = ArticleFactory(published=True, published_at=made[2].published_at)
    items, pages = follow(client, "/api/ninjs/?limit=2")
    assert pages == 3
    uris = [item["uri"] for item in items]
    assert len(uris) == len(set(uris)) == 6
    expected = sorted([*made, same_time], key=lambda a: (a.published_at, a.pk), reverse=True)
    assert uris == [f"{SITE}/articles/{a.slug}/" for a in expected]
    assert api(client, "/api/ninjs/").data["next"] is None


def test_the_cursor_is_opaque_and_a_forged_one_is_refused(client):
    stories(3)
    first = api(client, "/api/ninjs/?limit=1").data
    cursor = re.search(r"cursor=([^&]+)", first["next"]).group(1)
    # Opaque: no date or number a partner could be tempted to make up one from.
    assert not re.search(r"\d{4}-\d{2}-\d{2}", cursor)
    for bad in ("abc", cursor[:-2] + "xx", "2026-01-01,5"):
        response = api(client, f"/api/ninjs/?cursor={bad}")
        assert response.status_code == 400
        assert "cursor" in response.data["error"]["message"]


def test_since_keeps_what_was_published_changed_or_corrected_since(client):
    old, older, new = (
        ArticleFactory(published=True, published_at=NOW - timedelta(days=days))
        for days in (5, 6, 0.5)
    )
    Article.objects.filter(pk__in=[old.pk, older.pk]).update(updated_at=NOW - timedelta(days=4))
    Correction.objects.create(article=older, text="A date was wrong.")
    since = (NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    for value in (f"{since}Z", f"{since}+00:00", f"{since} 00:00", since):
        items, _ = follow(client, f"/api/ninjs/?since={value}")
        assert {i["uri"] for i in items} == {
            f"{SITE}/articles/{new.slug}/",
            f"{SITE}/articles/{older.slug}/",
        }, value
    day = (NOW - timedelta(days=7)).date().isoformat()
    assert len(api(client, f"/api/ninjs/?since={day}").data["items"]) == 3


@pytest.mark.parametrize(
    "query", ["since=yesterday", "since=2026-13-01", "since=1700000000", "limit=0", "limit=x"]
)
def test_a_parameter_that_cannot_be_read_is_a_400_saying_what_is_wrong(client, query):
    response = api(client, f"/api/ninjs/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.data["error"]["message"]


def test_section_and_tag_filters_and_unknown_ones_give_empty_lists(client):
    syria = SectionFactory(name="Syria")
    (in_syria,) = stories(1, section=syria, tags=["Bread"])
    stories(2, tags=["Water"])
    ArticleFactory(tags=["Secret"], headline="Draft with a tag")
    (item,) = api(client, "/api/ninjs/?section=syria").data["items"]
    assert item["uri"].endswith(f"/{in_syria.slug}/")
    (item,) = api(client, "/api/ninjs/?tag=bread").data["items"]
    assert item["uri"].endswith(f"/{in_syria.slug}/")
    assert len(api(client, "/api/ninjs/?tag=water").data["items"]) == 2
    for query in ("section=nowhere", "tag=nothing", "tag=secret"):
        response = api(client, f"/api/ninjs/?{query}")
        assert response.status_code == 200
        assert response.data == {"items": [], "next": None}


def test_filters_are_kept_across_pages(client):
    stories(3, tags=["Bread"])
    stories(3)
    items, pages = follow(client, "/api/ninjs/?tag=bread&limit=1")
    assert pages == 3
    assert all(("tag", "bread") in {(s["rel"], s["literal"]) for s in i["subjects"]} for i in items)


# HTTP: validators, CORS, methods ---------------------------------------------------------------


def test_etag_and_304_and_a_change_gives_a_new_etag(client, full_story):
    for url in (f"/api/ninjs/{full_story.slug}.json", "/api/ninjs/", "/api/schema/"):
        first = api(client, url)
        etag = first["ETag"]
        assert etag
        again = api(client, url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        assert again["ETag"] == etag
        assert again["Access-Control-Allow-Origin"] == "*"
    before = api(client, f"/api/ninjs/{full_story.slug}.json")["ETag"]
    Correction.objects.create(article=full_story, text="A second correction.")
    version = api(client, f"/api/ninjs/{full_story.slug}.json").data["version"]
    Correction.objects.create(article=full_story, text="A third correction.")
    after = api(client, f"/api/ninjs/{full_story.slug}.json", HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200
    assert after["ETag"] != before
    assert int(after.data["version"]) == int(version) + 1


def test_read_only_cors_on_every_answer(client, full_story):
    for url in (f"/api/ninjs/{full_story.slug}.json", "/api/ninjs/", "/api/ninjs/x.json"):
        response = api(client, url, HTTP_ORIGIN="https://partner.example")
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response
        assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = api(
        client,
        "/api/ninjs/",
        method="options",
        HTTP_ORIGIN="https://partner.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "Access-Control-Allow-Credentials" not in preflight


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_methods_are_405_even_without_a_csrf_token(full_story, method):
    client = Client(enforce_csrf_checks=True)
    for url in (f"/api/ninjs/{full_story.slug}.json", "/api/ninjs/", "/api/schema/"):
        response = api(client, url, method=method)
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert Article.objects.filter(pk=full_story.pk).exists()


def test_head_answers_like_get_without_a_body(client, full_story):
    get = client.get(f"/api/ninjs/{full_story.slug}.json")
    head = client.head(f"/api/ninjs/{full_story.slug}.json")
    assert head.status_code == 200
    assert head["ETag"] == get["ETag"]
    assert head.content == b""


def test_openapi_description_loads_and_lists_the_paths(client):
    response = api(client, "/api/schema/")
    document = response.data
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {
        "/api/",
        "/api/ninjs/",
        "/api/ninjs/{slug}.json",
        "/api/schema/",
        "/api/ninjs-schema.json",
    }
    assert document["components"]["schemas"]["NinjsItem"] == SCHEMA
    parameters = {p["name"] for p in document["paths"]["/api/ninjs/"]["get"]["parameters"]}
    assert parameters == {"since", "section", "tag", "limit", "cursor"}
    assert api(client, "/api/ninjs-schema.json").data == SCHEMA
    assert api(client, "/api/").data["stories"] == f"{SITE}/api/ninjs/"


def test_every_byline_role_has_its_credit():
    from articles.credits import ROLE_CREDITS

    assert set(ROLE_CREDITS) == set(Byline.Role.values)


def test_the_schema_is_a_valid_draft_2020_12_schema_and_rejects_what_we_promise_not_to_send():
    ITEM.check_schema(SCHEMA)
    assert "IPTC" in SCHEMA["description"]
    withdrawn = {
        "standard": {"name": "ninjs", "version": "2.1", "schema": "https://www.iptc.org/x"},
        "uri": f"{SITE}/articles/a/",
        "type": "text",
        "pubstatus": "canceled",
        "language": "en",
        "versioncreated": "2026-12-01T10:00:00Z",
        "ednote": "Withdrawn.",
    }
    assert ITEM.is_valid(withdrawn)
    assert not ITEM.is_valid({**withdrawn, "headlines": [{"role": "main", "value": "x"}]})
    assert not ITEM.is_valid({**withdrawn, "pubstatus": "killed"})
    assert not ITEM.is_valid({**withdrawn, "uri": "/articles/a/"})
    assert not ITEM.is_valid({**withdrawn, "versioncreated": "yesterday"})


# Queries ---------------------------------------------------------------------------------------


def queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = api(client, url)
    assert response.status_code == 200
    return len(captured)


def rich_story(bylines: int, tags: int, pictures: int, corrections: int) -> Article:
    images = [ImageFactory() for _ in range(pictures)]
    body = "".join(f'<p>Text.</p><img data-image="{image.pk}" alt="A picture">' for image in images)
    article = InterviewArticleFactory(
        published=True,
        body=body,
        byline_count=bylines,
        tags=[f"tag{n}" for n in range(tags)] + ["common"],
        exchange_count=bylines,
        lead_image=ImageFactory(),
        original_language="ar",
        source_headline="عنوان",
        source_body="فقرة",
    )
    for n in range(corrections):
        Correction.objects.create(article=article, text=f"Correction {n}.")
    return article


def test_query_count_is_fixed_whatever_the_stories_hold(client):
    small = rich_story(bylines=1, tags=1, pictures=1, corrections=1)
    large = rich_story(bylines=8, tags=20, pictures=6, corrections=5)
    assert queries(client, f"/api/ninjs/{small.slug}.json") == queries(
        client, f"/api/ninjs/{large.slug}.json"
    )
    listing = queries(client, "/api/ninjs/?tag=common")
    for _ in range(3):
        rich_story(bylines=6, tags=10, pictures=4, corrections=3)
    assert queries(client, "/api/ninjs/?tag=common") == listing
    assert queries(client, "/api/ninjs/?tag=common&limit=2") == listing


# Credits: the byline, JSON-LD, the feeds and the API agree ------------------------------------


def json_ld(client, article) -> dict:
    html = client.get(article.get_absolute_url()).content.decode()
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block)


def names(people) -> list[str]:
    return [person["name"] for person in people]


def test_json_ld_names_each_credit_as_what_it_is(client, full_story):
    BylineFactory(
        article=full_story,
        contributor=ContributorFactory(name="Sami Editor"),
        role=Byline.Role.EDITOR,
        position=9,
    )
    data = json_ld(client, full_story)
    assert names(data["author"]) == ["Hala Nasser", "Omar Said"]
    assert names(data["translator"]) == ["Lina Haddad"]
    assert names(data["contributor"]) == ["Rami Khalil", "Sami Editor"]
    translator = full_story.bylines.get(role=Byline.Role.TRANSLATOR).contributor
    assert data["translator"][0]["url"] == f"{SITE}/contributors/{translator.slug}/"


def test_json_ld_without_translator_or_photographer_has_no_empty_lists(client):
    article = ArticleFactory(published=True)
    credited(article, reporter="Hala Nasser")
    data = json_ld(client, article)
    assert names(data["author"]) == ["Hala Nasser"]
    assert "translator" not in data
    assert "contributor" not in data


def test_feeds_name_writers_as_authors_and_others_as_contributors(client, full_story):
    import feedparser

    rss = feedparser.parse(client.get("/feeds/latest.rss").content)
    (entry,) = rss.entries
    assert entry.author == "Hala Nasser, Omar Said"
    assert names(entry.contributors) == ["Lina Haddad", "Rami Khalil"]
    atom = feedparser.parse(client.get("/feeds/latest.atom").content)
    (entry,) = atom.entries
    assert names(entry.authors) == ["Hala Nasser", "Omar Said"]
    assert names(entry.contributors) == ["Lina Haddad", "Rami Khalil"]
    assert entry.contributors[0]["href"].startswith(f"{SITE}/contributors/")


def test_byline_json_ld_feeds_and_api_agree_on_every_role(client):
    from articles.credits import CreditKind, credit_kind, role_rel

    article = ArticleFactory(published=True)
    roles = list(Byline.Role)
    credited(article, **{role.value: f"Person {role.value}" for role in roles})
    item = api(client, f"/api/ninjs/{article.slug}.json").data
    data = json_ld(client, article)
    atom = __import__("feedparser").parse(client.get("/feeds/latest.atom").content).entries[0]
    html = client.get(article.get_absolute_url()).content.decode()
    json_ld_key = {
        CreditKind.AUTHOR: "author",
        CreditKind.TRANSLATOR: "translator",
        CreditKind.CONTRIBUTOR: "contributor",
    }
    for role in roles:
        name = f"Person {role.value}"
        kind = credit_kind(role)
        assert name in names(data[json_ld_key[kind]]), role
        feed_people = atom.authors if kind == CreditKind.AUTHOR else atom.contributors
        assert name in names(feed_people), role
        assert people(item)[name] == role_rel(role)
        assert name in html
    assert [p["name"] for p in item["people"]] == [f"Person {r.value}" for r in roles]


# A partner's client ----------------------------------------------------------------------------


def fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as answer:
        return answer.code, dict(answer.headers), answer.read()


@pytest.mark.django_db(transaction=True)
def test_a_partner_reads_the_api_over_http_following_the_cursor_to_the_end(live_server, settings):
    settings.SITE_URL = live_server.url
    made = stories(7, tags=["Bread"])
    Article.objects.filter(pk=made[3].pk).update(
        status=Article.Status.WITHDRAWN, withdrawn_reason="Sources at risk."
    )
    ArticleFactory(headline="A draft")
    url = f"{live_server.url}/api/ninjs/?limit=3"
    seen, canceled = [], []
    while url:
        status, headers, body = fetch(url, Origin="https://partner.example")
        assert status == 200
        assert headers["Access-Control-Allow-Origin"] == "*"
        page = check_answer("/api/ninjs/", status, headers["Content-Type"], body)
        for item in page["items"]:
            ITEM.validate(item)
            (canceled if item["pubstatus"] == "canceled" else seen).append(item["uri"])
        url = page["next"]
    assert len(seen) == 6
    assert canceled == [f"{live_server.url}/articles/{made[3].slug}/"]
    # Each story again, by its own address, and unchanged on a second asking: 304.
    for uri in seen:
        slug = uri.rstrip("/").rsplit("/", 1)[-1]
        status, headers, body = fetch(f"{live_server.url}/api/ninjs/{slug}.json")
        item = check_answer(f"/api/ninjs/{slug}.json", status, headers["Content-Type"], body)
        assert item["uri"] == uri
        status, _, body = fetch(
            f"{live_server.url}/api/ninjs/{slug}.json", **{"If-None-Match": headers["ETag"]}
        )
        assert status == 304
        assert body == b""
    status, headers, body = fetch(f"{live_server.url}/api/ninjs/?since=last-week")
    assert status == 400
    check_answer("/api/ninjs/", status, headers["Content-Type"], body)
