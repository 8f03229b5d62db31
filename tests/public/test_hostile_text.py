"""Hostile text goes in through every input (admin forms, pasted copy, search, URLs) and every
output is read back as a browser would parse it (public pages, feeds, JSON-LD, admin pages, the
stored body, emails); nothing may come out as markup that runs."""

import json
import re
import xml.etree.ElementTree as ElementTree
from urllib.parse import quote

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Article, Contributor, Correction, Section
from articles.roles import EDITOR, TRANSLATOR
from tests.factories import ArticleFactory, ImageFactory, UserFactory
from tests.hostile import HOSTILE, MARKER, assert_inert, created, inspect, post_admin_form


def test_the_inspector_itself_finds_what_it_looks_for():
    found = inspect(
        '<p onclick="x()">a</p><a href=" java\nscript:alert(1)">b</a><script>alert(1)</script>'
        "<iframe></iframe><form action=https://evil.example/></form>"
    ).problems
    # onclick, the javascript: link, the script element and its inline text, iframe, form.
    assert len(found) == 6


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
    _payload, article = hostile_story
    body = inspect(article.body)
    assert body.problems == []
    assert "<script" not in article.body.lower()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "hostile_story", ["script", "jsonld-breakout", "rtl-override"], indirect=True
)
def test_queue_emails_carry_hostile_text_as_plain_text_only(hostile_story):
    _payload, _article = hostile_story
    assert mail.outbox, "the workflow sent no queue emails"
    for message in mail.outbox:
        assert "\n" not in message.subject
        assert "\r" not in message.subject
        assert message.content_subtype == "plain"
        assert not getattr(message, "alternatives", None)
        assert len(message.to) == 1
        assert not message.bcc
        assert not message.cc


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
    assert "<script>alert" not in html
    assert "onmouseover=alert" not in html
