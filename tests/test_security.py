"""The newsroom attacked in its own test suite.

Hostile text goes in through every input (admin forms, story import, search, URLs) and every
output is read back as a browser would parse it (public pages, original text, feeds, JSON-LD,
admin lists, forms, history and review pages, emails); nothing may come out as markup that runs.
Property tests drive the sanitizer and the importer with generated input. Every admin URL is
requested as every role and as nobody, and must never show a story to someone who may not see it.
"""

import json
import re
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taggit.models import Tag

from articles import workflow
from articles.importer import StoryFormatError, parse_story, save_story
from articles.models import (
    Article,
    AuditEntry,
    Contributor,
    Correction,
    Image,
    Section,
    StatusChange,
)
from articles.roles import EDITOR, REPORTER, TRANSLATOR
from articles.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitize_html
from tests.factories import ArticleFactory, ContributorFactory, ImageFactory, UserFactory

# Each payload carries a marker of its own ("pwn-..."), so a test can see that the text did
# reach the page (escaped) and was not just dropped on the way.
HOSTILE = {
    "script": "<script>alert('pwn-script')</script>",
    "img-onerror": '"><img src=x onerror=alert("pwn-img")>',
    "svg-onload": "'><svg/onload=alert('pwn-svg')>",
    "svg-script": "<svg><script>alert('pwn-svgscript')</script></svg>",
    "javascript-url": "javascript:alert('pwn-jsurl')",
    "javascript-link": "<a href=\"javascript:alert('pwn-href')\">pwn-href</a>",
    "jsonld-breakout": "</script><script>alert('pwn-breakout')</script>",
    "iframe": "<iframe src=\"javascript:alert('pwn-iframe')\"></iframe>",
    "style": "<style>*{display:none}</style>pwn-style",
    "form": "<form action=https://evil.example/><input name=pwn-form></form>",
    "template": "{{ pwn_template }}{% now 'Y' %}",
    "rtl-override": "pwn-rtl \u202egpj.exe\u202c",
    "math-href": "<math><maction xlink:href=javascript:alert('pwn-math')>x</maction></math>",
    "comment": "<!--<script>alert('pwn-comment')</script>-->",
    "nested": "<<script>script>alert('pwn-nested')<</script>/script>",
    "entity": "&lt;script&gt;alert('pwn-entity')&lt;/script&gt;",
}
MARKER = re.compile(r"pwn-[a-z]+")

# Scripts the site and the admin are allowed to have: files from this site, and data blocks.
ALLOWED_SCRIPT_TYPES = {"application/ld+json", "application/json", "importmap"}
DANGEROUS_ELEMENTS = {"iframe", "object", "embed", "frame", "frameset", "base", "style"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}


class _Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.json_ld: list[str] = []
        self._script: dict | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        attributes = {name.lower(): value or "" for name, value in attrs}
        for name, value in attributes.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES:
                squashed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if squashed.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag in DANGEROUS_ELEMENTS:
            self.problems.append(f"<{tag}>")
        if tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "form":
            action = attributes.get("action", "")
            if action.startswith(("http:", "https:", "//")):
                self.problems.append(f"<form action={action!r}>")
        if tag == "script":
            kind = attributes.get("type", "")
            src = attributes.get("src", "")
            if kind not in ALLOWED_SCRIPT_TYPES and not (
                src.startswith("/static/") or src == "/admin/jsi18n/"
            ):
                self.problems.append(f"<script {attributes}>")
            self._script = attributes
            self._script_text = []

    def handle_data(self, data):
        if self._script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            text = "".join(self._script_text)
            if self._script.get("type") == "application/ld+json":
                self.json_ld.append(text)
            elif text.strip() and self._script.get("type") not in ALLOWED_SCRIPT_TYPES:
                self.problems.append(f"inline script: {text[:80]!r}")
            self._script = None


def inspect(html: str) -> _Inspector:
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector


def assert_inert(html: str, where: str = "") -> _Inspector:
    """Nothing in `html` runs: no script but this site's files, no handlers, no script URLs."""
    inspector = inspect(html)
    assert inspector.problems == [], where
    for block in inspector.json_ld:
        json.loads(block)  # still valid JSON: nothing broke out of it
    return inspector


def test_the_inspector_itself_finds_what_it_looks_for():
    found = inspect(
        '<p onclick="x()">a</p><a href=" java\nscript:alert(1)">b</a><script>alert(1)</script>'
        "<iframe></iframe><form action=https://evil.example/></form>"
    ).problems
    # onclick, the javascript: link, the script element and its inline text, iframe, form.
    assert len(found) == 6


# Admin forms as a browser would send them -------------------------------------------------------


class _FormReader(HTMLParser):
    """The fields of the admin's main form with the values the page gives them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_defaults(client: Client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    reader = _FormReader()
    reader.feed(response.content.decode())
    reader.data.pop("csrfmiddlewaretoken", None)
    return {k: v for k, v in reader.data.items() if "__prefix__" not in k}


def post_admin_form(client: Client, url: str, **values) -> object:
    data = {**form_defaults(client, url), **values}
    return client.post(url, data)


def created(response, model):
    """The object an admin add form just made, or a failure naming the form's errors."""
    if response.status_code != 302:
        context = response.context or {}
        form = context.get("adminform")
        errors = form.form.errors if form else None
        formsets = [fs.formset.errors for fs in context.get("inline_admin_formsets", [])]
        raise AssertionError(f"form refused: {errors} {formsets}")
    return model._default_manager.order_by("-pk").first()


# Hostile text through the admin, out through every page --------------------------------------


@pytest.fixture
def hostile_story(request, editor, editor_client, django_capture_on_commit_callbacks):
    """A published interview whose every typed field is the same hostile payload."""
    payload = HOSTILE[request.param]
    # People whose queues the story passes through, so that the workflow sends its emails.
    UserFactory(username="desk-editor", role=EDITOR)
    UserFactory(username="desk-translator", role=TRANSLATOR)
    section = created(
        post_admin_form(
            editor_client,
            reverse("admin:articles_section_add"),
            name=payload[:100],
            description=payload,
        ),
        Section,
    )
    contributor = created(
        post_admin_form(
            editor_client,
            reverse("admin:articles_contributor_add"),
            name=payload,
            affiliation=payload[:200],
            bio=payload,
        ),
        Contributor,
    )
    image = ImageFactory(alt_text=payload, caption=payload, credit=payload[:200])
    response = post_admin_form(
        editor_client,
        reverse("admin:articles_article_add"),
        headline=payload,
        dek=payload,
        body=f"<p>{payload}</p>{payload}",
        kind="interview",
        section=str(section.pk),
        # Commas and quotes split or group tags; the rest of the payload is one tag's name.
        tags=re.sub(r'[,"]', " ", payload) + ", plain",
        lead_image=str(image.pk),
        original_language="ar",
        source_headline=payload,
        source_dek=payload,
        source_body=f"{payload}\n\n{payload}",
        **{
            "bylines-0-contributor": str(contributor.pk),
            "bylines-0-role": "interviewer",
            "interview-0-interviewee_name": payload[:200],
            "interview-0-interviewee_description": payload[:200],
            "exchanges-0-question": payload,
            "exchanges-0-answer": f"{payload} [{payload}]",
            "exchanges-0-question_original": payload,
            "exchanges-0-answer_original": payload,
        },
    )
    article = created(response, Article)
    with django_capture_on_commit_callbacks(execute=True):
        for step in ("submit", "send_to_translation_review", "pass_translation", "publish"):
            workflow.transition(article, step, by=editor, comment=payload)
    Correction.objects.create(article=article, text=payload, created_by=editor)
    article.refresh_from_db()
    return payload, article


def public_pages(article: Article) -> dict[str, str]:
    month = timezone.localtime(article.published_at)
    word = MARKER.search(article.headline)
    pages = {
        "article": article.get_absolute_url(),
        "home": "/",
        "archive": reverse("articles:archive", args=[month.year, month.month]),
        "search": "/search/?q=" + quote(word.group(0) if word else "Headline"),
    }
    if article.is_translated:
        pages["original"] = reverse("articles:original", args=[article.slug])
    if article.section_id:
        pages["section"] = reverse("articles:section", args=[article.section.slug])
    for tag in article.tags.all():
        if re.fullmatch(r"[-a-zA-Z0-9_]+", tag.slug):
            pages[f"tag {tag.slug}"] = reverse("articles:tag", args=[tag.slug])
    byline = article.bylines.first()
    if byline is not None:
        pages["contributor"] = reverse("articles:contributor", args=[byline.contributor.slug])
    return pages


def admin_pages(article: Article) -> dict[str, str]:
    byline = article.bylines.first()
    history = list(article.history.order_by("history_id").values_list("history_id", flat=True))
    compare = reverse("admin:articles_article_compare", args=[article.pk])
    return {
        "compare": f"{compare}?a={history[0]}&b={history[-1]}",
        "desk": reverse("admin:index"),
        "changelist": reverse("admin:articles_article_changelist"),
        "change": reverse("admin:articles_article_change", args=[article.pk]),
        "preview": reverse("admin:articles_article_preview", args=[article.pk]),
        "revisions": reverse("admin:articles_article_revisions", args=[article.pk]),
        "translation": reverse("admin:articles_article_translation", args=[article.pk]),
        "history": reverse("admin:articles_article_history", args=[article.pk]),
        "contributors": reverse("admin:articles_contributor_changelist"),
        "contributor": reverse("admin:articles_contributor_change", args=[byline.contributor_id]),
        "sections": reverse("admin:articles_section_changelist"),
        "images": reverse("admin:articles_image_changelist"),
        "image": reverse("admin:articles_image_change", args=[article.lead_image_id]),
        "status changes": reverse("admin:articles_statuschange_changelist"),
        "tags": reverse("admin:taggit_tag_changelist"),
        "search in admin": reverse("admin:articles_article_changelist")
        + "?q="
        + quote(article.headline[:50]),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("hostile_story", list(HOSTILE), indirect=True)
def test_hostile_text_typed_in_the_admin_is_inert_on_every_public_page(client, hostile_story):
    payload, article = hostile_story
    markers = set(MARKER.findall(payload))
    for name, url in public_pages(article).items():
        response = client.get(url)
        assert response.status_code == 200, (name, url)
        html = response.content.decode()
        assert_inert(html, where=name)
        if name in ("article", "original", "contributor"):
            # The text is there for readers, as text.
            assert markers <= set(MARKER.findall(html)), name


@pytest.mark.django_db
@pytest.mark.parametrize("hostile_story", list(HOSTILE), indirect=True)
def test_json_ld_carries_hostile_text_as_data_without_breaking_out(client, hostile_story):
    payload, article = hostile_story
    html = client.get(article.get_absolute_url()).content.decode()
    blocks = assert_inert(html).json_ld
    assert len(blocks) == 1
    assert "</" not in blocks[0]
    data = json.loads(blocks[0])
    assert data["headline"] == payload[:110]
    assert data["description"] == payload
    assert data["author"][0]["name"] == payload


@pytest.mark.django_db
@pytest.mark.parametrize("hostile_story", list(HOSTILE), indirect=True)
def test_feeds_stay_well_formed_and_their_html_stays_inert(client, hostile_story):
    payload, article = hostile_story
    feeds = [
        "/feeds/latest.rss",
        "/feeds/latest.atom",
        reverse("articles:section-feed-rss", args=[article.section.slug]),
        reverse("articles:section-feed-atom", args=[article.section.slug]),
        reverse("articles:tag-feed-rss", args=["plain"]),
    ]
    for url in feeds:
        response = client.get(url)
        assert response.status_code == 200, url
        root = ElementTree.fromstring(response.content)  # well-formed XML
        titles = [e.text for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "title"]
        assert payload.strip() in [t.strip() for t in titles if t], url
        items = [e for e in root.iter() if e.tag.rsplit("}", 1)[-1] in ("item", "entry")]
        assert items, url
        for item in items:
            for element in item:
                if element.tag.rsplit("}", 1)[-1] in ("description", "content", "summary"):
                    # Feed readers render a story's HTML: it must be as inert as the page.
                    assert_inert(element.text or "", where=url)


@pytest.mark.django_db
@pytest.mark.parametrize("hostile_story", list(HOSTILE), indirect=True)
def test_hostile_text_is_inert_on_every_admin_page(editor_client, hostile_story):
    payload, article = hostile_story
    for name, url in admin_pages(article).items():
        response = editor_client.get(url)
        assert response.status_code == 200, (name, url)
        assert_inert(response.content.decode(), where=name)
    change = editor_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert set(MARKER.findall(payload)) <= set(MARKER.findall(change.content.decode()))


@pytest.mark.django_db
@pytest.mark.parametrize("hostile_story", list(HOSTILE), indirect=True)
def test_the_stored_body_was_sanitized_on_save(hostile_story):
    payload, article = hostile_story
    body = inspect(article.body)
    assert body.problems == []
    assert "<script" not in article.body.lower()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "hostile_story", ["script", "jsonld-breakout", "rtl-override"], indirect=True
)
def test_queue_emails_carry_hostile_text_as_plain_text_only(hostile_story):
    payload, article = hostile_story
    assert mail.outbox, "the workflow sent no queue emails"
    for message in mail.outbox:
        assert "\n" not in message.subject and "\r" not in message.subject
        assert message.content_subtype == "plain"
        assert not getattr(message, "alternatives", None)
        assert len(message.to) == 1 and not message.bcc and not message.cc


@pytest.mark.django_db
def test_a_line_break_in_a_headline_cannot_add_mail_headers_nor_silence_the_desk(
    editor, editor_client, django_capture_on_commit_callbacks
):
    UserFactory(username="second-editor", role=EDITOR)
    article = ArticleFactory(
        headline="Breaking\r\nBcc: attacker@evil.example\r\n\r\nInjected body", created_by=editor
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(article, "submit", by=editor)
    assert all("attacker@evil.example" not in m.recipients() for m in mail.outbox)
    # The editors are still told that a story entered their queue.
    assert mail.outbox, "a headline with a line break silenced the queue email"


# Bad input gets a form error, never a 500 -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, value",
    [
        ("headline", "pwn-long " * 1000),
        ("headline", "null\x00byte"),
        ("dek", "null\x00byte"),
        ("slug", "<script>alert(1)</script>"),
        ("slug", "../../etc/passwd"),
        ("slug", "javascript:alert(1)"),
        ("slug", "a\u202eb"),
    ],
    ids=[
        "long-headline",
        "null-headline",
        "null-dek",
        "script-slug",
        "dots-slug",
        "js-slug",
        "rtl-slug",
    ],
)
def test_bad_input_in_the_story_form_is_a_form_error(editor_client, field, value):
    editor_client.raise_request_exception = False
    response = post_admin_form(
        editor_client,
        reverse("admin:articles_article_add"),
        **{"headline": "A fine headline", field: value},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_a_tag_longer_than_a_tag_may_be_is_a_form_error(editor_client):
    editor_client.raise_request_exception = False
    response = post_admin_form(
        editor_client,
        reverse("admin:articles_article_add"),
        headline="A fine headline",
        tags="x" * 5000,
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Article.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("tag", ["تعليم", "!!!"])
def test_a_story_tagged_in_arabic_or_punctuation_still_renders(client, tag):
    article = ArticleFactory(published=True, tags=[tag])
    client.raise_request_exception = False
    assert client.get(article.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_view_on_site_only_leads_to_objects_the_person_may_open(client, editor):
    reporter = UserFactory(username="amal", role=REPORTER)
    theirs = ArticleFactory(slug="pwn-secret-draft", created_by=editor)
    own = ArticleFactory(slug="amals-draft", created_by=reporter)
    article_type = ContentType.objects.get_for_model(Article).pk
    client.force_login(reporter)
    hidden = client.get(reverse("admin:view_on_site", args=[article_type, theirs.pk]))
    missing = client.get(reverse("admin:view_on_site", args=[article_type, 999_999]))
    assert hidden.status_code == missing.status_code == 404
    assert b"pwn-secret" not in hidden.content
    mine = client.get(reverse("admin:view_on_site", args=[article_type, own.pk]))
    assert mine.status_code == 302
    assert mine["Location"].endswith("/articles/amals-draft/")
    client.force_login(editor)
    assert (
        client.get(reverse("admin:view_on_site", args=[article_type, theirs.pk])).status_code == 302
    )


@pytest.mark.django_db
def test_a_pasted_story_full_of_hostile_text_is_stored_inert(editor_client, client):
    text = "\n".join(
        [
            f"Headline: {HOSTILE['script']}",
            f"Dek: {HOSTILE['jsonld-breakout']}",
            "Date: 2024-05-01",
            "Kind: interview",
            # Ready to go live (articles/checklist.py): a section, as well as the byline.
            "Section: World",
            f"Byline: {HOSTILE['img-onerror']} (interviewer)",
            f"Interviewee: {HOSTILE['svg-onload']} — {HOSTILE['javascript-link']}",
            f"Tags: {HOSTILE['iframe']}",
            "",
            HOSTILE["script"],
            "",
            f"Q: {HOSTILE['javascript-link']}",
            "",
            f"A: {HOSTILE['svg-script']} [{HOSTILE['img-onerror']}]",
            "",
        ]
    )
    response = editor_client.post(reverse("admin:articles_article_paste"), {"text": text})
    assert response.status_code == 302, response.content[:2000]
    article = Article.objects.get()
    assert inspect(article.body).problems == []
    assert "&lt;script&gt;" in article.body
    for step in ("submit", "approve", "publish"):
        workflow.transition(article, step, by=article.created_by)
    for name, url in public_pages(article).items():
        if name in ("original", "tag", "section"):
            continue
        page = client.get(url)
        assert page.status_code == 200, name
        assert_inert(page.content.decode(), where=name)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [*HOSTILE.values(), "x" * 10_000, "a\x00b", "%00", "\u202e"])
def test_search_takes_any_query_and_reflects_it_only_as_text(client, payload):
    ArticleFactory(published=True, headline="pwn-script in Daraa")
    response = client.get("/search/", {"q": payload})
    assert response.status_code == 200
    assert_inert(response.content.decode(), where=payload)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/articles/%3Cscript%3Ealert(1)%3C%2Fscript%3E/",
        "/articles/x%22onmouseover=alert(1)%20x/",
        "/articles/..%2F..%2Fadmin/",
        "/tags/%3Csvg%20onload=alert(1)%3E/",
        "/contributors/javascript:alert(1)/",
        "/sections/%00/",
        "/archive/9999/99/",
        "/search/%3Cscript%3E/",
        "/articles/" + "a" * 5000 + "/",
    ],
)
def test_hostile_urls_answer_a_plain_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert_inert(html, where=path)
    assert "<script>alert" not in html and "onmouseover=alert" not in html


# Access ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status",
    [s for s in Article.Status.values if s not in ("published", "scheduled", "withdrawn")]
    + ["scheduled-future"],
)
def test_an_unpublished_slug_answers_exactly_like_one_that_never_existed(client, status):
    real_status = "scheduled" if status == "scheduled-future" else status
    published_at = (
        timezone.now() + timezone.timedelta(days=3) if status == "scheduled-future" else None
    )
    ArticleFactory(
        slug="secret-story",
        status=real_status,
        headline="Secret",
        published_at=published_at,
        original_language="ar",
        source_headline="سري",
    )
    for suffix in ("", "original/"):
        hidden = client.get(f"/articles/secret-story/{suffix}")
        missing = client.get(f"/articles/never-was-a-story/{suffix}")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content
        assert sorted(hidden.headers) == sorted(missing.headers)


@pytest.mark.django_db
def test_drafts_are_absent_from_every_public_listing(client):
    ArticleFactory(
        headline="Hidden pwn-draft zebra",
        slug="pwn-draft",
        tags=["leak"],
        dek="zebra",
        body="<p>zebra</p>",
    )
    ArticleFactory(published=True, tags=["leak"])
    pages = [
        "/",
        "/search/?q=zebra",
        "/feeds/latest.rss",
        "/feeds/latest.atom",
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/tags/leak/",
        "/feeds/tags/leak.rss",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"pwn-draft" not in response.content, url


# The admin permission matrix ----------------------------------------------------------------


def admin_url_patterns():
    """Every URL the admin serves, with a name, from admin.site.get_urls() itself."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield prefix + str(pattern.pattern), pattern

    return list(walk(admin.site.get_urls()))


ADMIN_URLS = admin_url_patterns()
PUBLIC_ADMIN_URLS = {"login", "logout", "jsi18n"}  # work (or redirect) without a session


class Secrets:
    """A draft by the editor that nobody else may see, and one object of every admin model."""

    HEADLINE = "pwn-secret-draft headline"
    BODY = "pwn-secret-body the source is a colonel"
    SOURCE = "pwn-secret-source نص سري"

    def __init__(self, editor):
        self.article = ArticleFactory(
            headline=self.HEADLINE,
            slug="pwn-secret-draft",
            body=f"<p>{self.BODY}</p>",
            created_by=editor,
            original_language="",
            source_body=self.SOURCE,
        )
        self.article.body = f"<p>{self.BODY}</p><p>second save</p>"
        self.article.save()
        self.history_id = self.article.history.order_by("history_id").first().history_id

    def object_for(self, model):
        if model is Article:
            return self.article
        existing = model._default_manager.first()
        if existing is not None:
            return existing
        factories = {
            Contributor: ContributorFactory,
            Image: ImageFactory,
            Section: lambda: Section.objects.create(name="Aleppo"),
            Tag: lambda: Tag.objects.create(name="aleppo"),
            AccessAttempt: lambda: AccessAttempt.objects.create(
                username="someone", ip_address="10.0.0.9", failures_since_start=1
            ),
            AccessLog: lambda: AccessLog.objects.create(username="someone", ip_address="10.0.0.9"),
            AccessFailureLog: lambda: AccessFailureLog.objects.create(
                username="someone", ip_address="10.0.0.9"
            ),
            TOTPDevice: lambda: TOTPDevice.objects.create(user=self.article.created_by, name="x"),
            StatusChange: lambda: StatusChange.objects.create(
                article=self.article,
                transition="submit",
                from_status="draft",
                to_status="editing",
                comment="pwn-secret-comment about the source",
            ),
            StaticDevice: lambda: StaticDevice.objects.create(
                user=self.article.created_by, name="x"
            ),
            AuditEntry: lambda: AuditEntry.objects.create(
                action="story.edit",
                article=self.article,
                subject="pwn-secret-subject of the source",
                comment="pwn-secret-comment about the source",
            ),
        }
        return factories[model]()


def fill(route: str, pattern: URLPattern, secrets: Secrets) -> str | None:
    """The URL of `pattern` with its arguments filled in for the objects in `secrets`.

    None only for a pattern whose arguments are not known here; the coverage test below fails
    on any such pattern, so a new admin page cannot slip past the matrix unrequested.
    """
    name = pattern.name
    converters = getattr(pattern.pattern, "converters", None) or pattern.pattern.regex.groupindex
    model_admin = next(
        (
            ma
            for m, ma in admin.site._registry.items()
            if name.startswith(f"{m._meta.app_label}_{m._meta.model_name}_")
        ),
        None,
    )
    kwargs: dict[str, object] = {}
    for key in converters:
        if name == "view_on_site":
            kwargs = {
                "content_type_id": ContentType.objects.get_for_model(Article).pk,
                "object_id": secrets.article.pk,
            }
            break
        if key in ("object_id", "pk", "id") and model_admin is not None:
            if model_admin.model is get_user_model():
                obj = secrets.article.created_by
            else:
                obj = secrets.object_for(model_admin.model)
            kwargs[key] = obj.pk
        elif key == "history_id":
            kwargs[key] = secrets.history_id
        elif key == "name":
            kwargs[key] = "submit"
        elif key == "app_label":
            kwargs[key] = "articles"
        else:
            return None
    url = reverse(f"admin:{name}", kwargs=kwargs)
    if name == "articles_article_compare":
        url += f"?a={secrets.history_id}&b={secrets.history_id + 1}"
    if name == "autocomplete":
        url += "?app_label=articles&model_name=contributor&field_name=user&term=e"
    return url


def matrix_urls(secrets: Secrets) -> list[tuple[str, str]]:
    urls = []
    for route, pattern in ADMIN_URLS:
        url = fill(route, pattern, secrets)
        if url is not None:
            urls.append((pattern.name, url))
    return urls


@pytest.mark.django_db
def test_the_matrix_requests_every_named_admin_url(editor):
    secrets = Secrets(editor)
    requested = {name for name, _ in matrix_urls(secrets)}
    assert requested == {pattern.name for _, pattern in ADMIN_URLS}


def test_the_matrix_covers_every_admin_page_and_every_registered_model():
    names = {pattern.name for _, pattern in ADMIN_URLS}
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}_{model._meta.model_name}"
        assert {f"{prefix}_changelist", f"{prefix}_change", f"{prefix}_history"} <= names
    for expected in (
        "articles_article_preview",
        "articles_article_revisions",
        "articles_article_compare",
        "articles_article_restore",
        "articles_article_translation",
        "autocomplete",
        "view_on_site",
    ):
        assert expected in names


@pytest.fixture
def secrets(editor):
    return Secrets(editor)


def assert_unchanged(secrets: Secrets) -> None:
    article = Article.objects.get(pk=secrets.article.pk)
    assert (article.headline, article.status, article.body) == (
        secrets.article.headline,
        secrets.article.status,
        secrets.article.body,
    )


@pytest.mark.django_db
def test_nobody_signed_in_gets_any_admin_page(client, secrets):
    client.raise_request_exception = False
    for name, url in matrix_urls(secrets):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code != 500, (name, method)
            assert b"pwn-secret" not in response.content, (name, method)
            if name not in PUBLIC_ADMIN_URLS:
                assert response.status_code in (302, 405), (name, method, response.status_code)
                if response.status_code == 302:
                    assert response["Location"].startswith("/admin/login/"), (name, method)
    assert_unchanged(secrets)


@pytest.mark.django_db
def test_an_editor_with_only_a_password_gets_no_admin_page(client, secrets, editor):
    from tests.conftest import password_only_login

    password_only_login(client, editor)
    client.raise_request_exception = False
    for name, url in matrix_urls(secrets):
        if name in PUBLIC_ADMIN_URLS:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, (name, method, response.status_code)
            assert response["Location"].startswith("/admin/2fa/"), (name, method)
    assert_unchanged(secrets)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [REPORTER, TRANSLATOR])
def test_other_roles_never_see_or_change_someone_elses_draft(client, secrets, role):
    """Every admin URL, GET and POST, as a reporter or translator the draft is not shared with."""
    user = UserFactory(username=f"matrix-{role.lower()}", role=role)
    client.force_login(user)
    client.raise_request_exception = False
    seen = {}
    for name, url in matrix_urls(secrets):
        if name == "logout":
            continue  # would end the session and turn the rest into anonymous requests
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            status = response.status_code
            seen[(name, method)] = status
            assert status != 500, (name, method)
            body = response.content
            assert b"pwn-secret" not in body, (name, method, status)
            if status == 302:
                assert b"pwn-secret" not in response["Location"].encode(), (name, method)
        assert_unchanged(secrets)
    assert client.get(reverse("admin:index")).status_code == 200  # still signed in throughout
    # Pages about the draft itself are closed, not merely empty.
    for name in (
        "articles_article_change",
        "articles_article_preview",
        "articles_article_revisions",
        "articles_article_history",
        "articles_article_translation",
        "articles_article_compare",
    ):
        assert seen[(name, "get")] in (302, 403, 404), (name, seen[(name, "get")])


@pytest.mark.django_db
def test_an_editor_gets_every_admin_page_without_an_error(editor_client, secrets):
    editor_client.raise_request_exception = False
    for name, url in matrix_urls(secrets):
        if name in ("logout", "articles_article_restore") or name.endswith("_delete"):
            continue  # GET-safe pages only: deleting is tested by the admin desk
        response = editor_client.get(url)
        assert response.status_code in (200, 302, 403, 404, 405), (name, response.status_code)
    preview = editor_client.get(
        reverse("admin:articles_article_preview", args=[secrets.article.pk])
    )
    assert b"pwn-secret-body" in preview.content
    assert "no-store" in preview["Cache-Control"]


@pytest.mark.django_db
def test_autocomplete_does_not_list_accounts_to_reporters(client, secrets):
    client.force_login(UserFactory(username="amal", role=REPORTER))
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "contributor", "field_name": "user", "term": ""},
    )
    assert response.status_code == 403
    assert b"editor" not in response.content


@pytest.mark.django_db
def test_the_translator_sees_only_stories_in_translation(client, secrets, editor):
    translator = UserFactory(username="tariq", role=TRANSLATOR)
    in_review = ArticleFactory(
        headline="pwn-review story",
        original_language="ar",
        status="translation_review",
        created_by=editor,
    )
    client.force_login(translator)
    listing = client.get(reverse("admin:articles_article_changelist")).content
    assert b"pwn-review" in listing
    assert b"pwn-secret" not in listing
    change = client.get(reverse("admin:articles_article_change", args=[in_review.pk]))
    assert change.status_code == 200


# Property tests: the sanitizer ----------------------------------------------------------------

TAG_NAMES = sorted(
    ALLOWED_TAGS
    | {
        "script",
        "style",
        "iframe",
        "img",
        "svg",
        "form",
        "input",
        "object",
        "math",
        "a",
        "div",
        "span",
        "table",
        "video",
    }
)
ATTRIBUTE_NAMES = [
    "href",
    "src",
    "onclick",
    "onerror",
    "style",
    "title",
    "class",
    "id",
    "formaction",
    "xlink:href",
    "target",
    "rel",
    "hreflang",
    "start",
    "cite",
]
URLS = st.sampled_from(
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "https://example.org/",
        "http://example.org/",
        "mailto:a@b.example",
        "/relative",
        "#frag",
        "&#106;avascript:alert(1)",
        "//evil.example",
    ]
)
attribute = st.tuples(st.sampled_from(ATTRIBUTE_NAMES), st.one_of(URLS, st.text(max_size=20)))
element = st.recursive(
    st.text(max_size=30),
    lambda children: st.builds(
        lambda tag, attrs, inner: (
            f"<{tag}" + "".join(f' {n}="{v}"' for n, v in attrs) + f">{''.join(inner)}</{tag}>"
        ),
        st.sampled_from(TAG_NAMES),
        st.lists(attribute, max_size=3),
        st.lists(children, max_size=3),
    ),
    max_leaves=12,
)
html_soup = st.one_of(
    element,
    st.lists(st.one_of(element, st.sampled_from(list(HOSTILE.values()))), max_size=5).map("".join),
    st.text(),
)


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_soup)
def test_the_sanitizer_lets_through_only_the_allow_list(html):
    clean = sanitize_html(html)
    parser = _Elements()
    parser.feed(clean)
    for tag, attrs in parser.elements:
        assert tag in ALLOWED_TAGS, tag
        # nh3 also keeps its generic attributes, lang and title, on every element: plain text.
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | {"lang", "title"}
        allowed |= {"rel"} if tag == "a" else set()
        assert set(attrs) <= allowed, (tag, attrs)
        if tag == "a":
            assert attrs.get("rel") == "noopener noreferrer"
            href = re.sub(r"[\s\x00-\x1f]", "", attrs.get("href") or "").lower()
            assert not href.startswith(("javascript:", "vbscript:", "data:"))
    assert inspect(clean).problems == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_soup)
def test_sanitizing_twice_changes_nothing_more(html):
    once = sanitize_html(html)
    assert sanitize_html(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_text_without_markup_keeps_its_words(text):
    clean = sanitize_html(text)
    words = re.findall(r"\w+", text.replace("<", " ").replace("&", " "))
    assert all(word in clean for word in words[:5] if "<" not in text and "&" not in text)


# Property tests: the importer, with hostile copy ------------------------------------------------

hostile_line = st.one_of(
    st.sampled_from(list(HOSTILE.values())),
    st.sampled_from(
        [
            "Q: ",
            "A: ",
            "Headline: ",
            "Dek: ",
            "Byline: ",
            "Interviewee: ",
            "Tags: ",
            "Kind: interview",
            "--- original ---",
            "Slug: ",
            "Date: 2020-01-02",
        ]
    ).flatmap(lambda prefix: st.sampled_from(list(HOSTILE.values())).map(lambda p: prefix + p)),
    st.text(max_size=40),
)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(hostile_line, min_size=1, max_size=16))
def test_imported_hostile_copy_is_refused_by_line_or_stored_inert(editor, lines):
    text = "\n".join(lines)
    try:
        story = parse_story(text, filename="hostile.txt")
    except StoryFormatError as error:
        assert str(error).startswith("hostile.txt")
        return
    try:
        result = save_story(story, by=editor)
    except StoryFormatError:
        return
    article = Article.objects.get(pk=result.article.pk)
    assert inspect(article.body).problems == []
    assert "<script" not in article.body.lower()
    for exchange in article.exchanges.all():
        assert exchange.question and exchange.answer
