"""No developer text in front of staff: each role signs in and reads every desk page it can reach
from the desk home (following links under /admin/), looking for what only a programmer would
say: constraint names, raw workflow step names, app labels, markup shown as text, and times
labelled "UTC" in a newsroom that is not on UTC. Then the desk home with a reporter's stories
and notices, and the translation review, are photographed among the test artifacts
(docs/screenshots/ keeps copies)."""

import re
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from articles import changes, workflow
from articles.models import Article
from articles.roles import EDITOR, REPORTER, TRANSLATOR, sync_roles
from tests.browser.conftest import login
from tests.factories import (
    DEFAULT_PASSWORD,
    ArticleFactory,
    ImageFactory,
    SectionFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]
Status = Article.Status
MOST_PAGES = 60  # per role: enough for every kind of desk page, not every story's

# Links never followed: signing out, deleting, the second-factor set-up (it would replace the
# test's authenticator), and the public site.
SKIPPED = re.compile(r"/logout/|/delete/|/2fa/|/password/|/preview/|^/(?!admin/)")


def constraint_names() -> set[str]:
    return {
        constraint.name
        for model in apps.get_models()
        for constraint in model._meta.constraints
        if model._meta.app_label in ("articles", "interviews", "accounts")
    }


RAW_STEPS = {name for name in workflow.TRANSITIONS if "_" in name}
APP_LABELS = re.compile(r"\b(taggit|otp_totp|otp_static|django_otp|simple_history|axes)\b", re.I)
MARKUP = re.compile(r"</?(p|a|b|i|em|strong|br|h[1-6]|ul|ol|li|blockquote|div|span)\b[^>]*>")


def developer_text(text: str) -> list[str]:
    found = [name for name in constraint_names() if name in text]
    found += [name for name in RAW_STEPS if re.search(rf"\b{name}\b", text)]
    found += [match.group(0) for match in APP_LABELS.finditer(text)]
    found += [match.group(0) for match in MARKUP.finditer(text)]
    if "UTC" in text:
        found.append("UTC")
    return found


def newsroom():
    """A small newsroom with something in every state, and a history of moves."""
    sync_roles()
    rana = UserFactory(username="rana", first_name="Rana", last_name="Kassem", role=REPORTER)
    omar = UserFactory(username="omar", first_name="Omar", last_name="Haddad", role=EDITOR)
    samir = UserFactory(username="samir", first_name="Samir", last_name="Aziz", role=TRANSLATOR)
    ImageFactory(alt_text="Children in a classroom in Raqqa")
    body = "<p>The bakery <strong>reopened</strong> last week.</p><p>Bread costs twice as much.</p>"
    draft = changes.create_story(
        changes.StoryChanges(
            fields={"headline": "Ovens lit again in Yalda", "body": body},
            tags=["bread", "Yalda"],
        ),
        by=rana,
    )
    submitted = changes.create_story(
        changes.StoryChanges(
            fields={"headline": "Water returns to Qadam", "body": body, "dek": "Pipes mended."}
        ),
        by=rana,
    )
    workflow.transition(submitted, "submit", by=rana)
    published = changes.create_story(
        changes.StoryChanges(
            fields={
                "headline": "A school reopens in Raqqa",
                "dek": "Classes resume after three years.",
                "section": SectionFactory(name="Syria"),
                "body": body,
                "original_language": "ar",
                "source_headline": "مدرسة تفتح أبوابها في الرقة",
                "source_body": "المخبز فتح الأسبوع الماضي.\n\nالخبز بضعف السعر.",
            },
            bylines=[changes.BylineRow(role="reporter", name="Rana Kassem")],
        ),
        by=rana,
    )
    for step, person in [
        ("submit", rana),
        ("send_to_translation_review", omar),
        ("pass_translation", samir),
        ("publish", omar),
    ]:
        workflow.transition(published, step, by=person)
    changes.add_correction(published, "The school reopened in May, not June.", by=omar)
    in_review = ArticleFactory(
        headline="Teachers clear the rubble",
        status=Status.TRANSLATION_REVIEW,
        created_by=rana,
        original_language="ar",
        source_headline="المعلمون يزيلون الركام",
        body="<p>Volunteers cleared the building.</p>",
        source_body="المتطوعون نظفوا المبنى.",
        published_at=timezone.now() - timezone.timedelta(days=1),
    )
    workflow.transition(
        ArticleFactory(status=Status.EDITING, created_by=rana, headline="Prices in Daraa"),
        "return_to_reporter",
        by=omar,
        comment="Which market? Name it.",
    )
    return {"draft": draft, "submitted": submitted, "published": published, "review": in_review}


def read_the_desk(page, live_server) -> dict[str, list[str]]:
    """Every page reachable from the desk home, and what developer text each shows."""
    start = reverse("admin:index")
    queue, seen, findings = [start], set(), {}
    while queue and len(seen) < MOST_PAGES:
        path = queue.pop(0)
        key = urlsplit(path).path
        if key in seen:
            continue
        seen.add(key)
        response = page.goto(f"{live_server.url}{path}")
        assert response.status < 500, path
        # Code in a help page (the story format's examples of markup) is shown as code on purpose.
        # (Hidden while the page's rendered text is read, then shown again.)
        text = page.evaluate(
            "() => { const code = [...document.querySelectorAll('code, pre')];"
            " code.forEach(e => e.style.setProperty('display', 'none'));"
            " const text = document.body.innerText;"
            " code.forEach(e => e.style.removeProperty('display'));"
            " return text; }"
        )
        found = developer_text(text)
        if found:
            findings[path] = sorted(set(found))
        for href in page.locator("a[href]").evaluate_all("links => links.map(a => a.href)"):
            parts = urlsplit(href)
            if parts.netloc != urlsplit(live_server.url).netloc:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if SKIPPED.search(parts.path) or parts.path in seen:
                continue
            queue.append(target)
    assert len(seen) > 5
    return findings


@pytest.mark.parametrize("username", ["rana", "samir", "omar"])
def test_no_desk_page_shows_developer_text_to_any_role(browser, live_server, settings, username):
    settings.TIME_ZONE = "Asia/Beirut"
    newsroom()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    login(page, live_server, username, DEFAULT_PASSWORD)
    try:
        findings = read_the_desk(page, live_server)
        assert findings == {}, "\n".join(f"{url}: {found}" for url, found in findings.items())
    finally:
        context.close()


def test_the_read_only_text_of_a_submitted_story_reads_as_text_not_markup(browser, live_server):
    stories = newsroom()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server, "rana", DEFAULT_PASSWORD)
    page.goto(
        f"{live_server.url}"
        + reverse("admin:articles_article_change", args=[stories["submitted"].pk])
    )
    body = page.locator(".field-body_as_read .readonly")
    assert body.locator("strong").inner_text() == "reopened"
    assert "<p>" not in body.inner_text()
    context.close()


def test_screenshots_of_the_desk_home_and_the_review_page(
    browser, live_server, settings, artifacts_dir
):
    settings.TIME_ZONE = "Asia/Beirut"
    stories = newsroom()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server, "rana", DEFAULT_PASSWORD)
    assert "My stories" in page.locator("#content").inner_text()
    assert "Returned to you" in page.locator(".desk-notices").inner_text()
    page.screenshot(path=str(artifacts_dir / "desk-home-reporter.png"), full_page=True)
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server, "samir", DEFAULT_PASSWORD)
    page.goto(
        f"{live_server.url}"
        + reverse("admin:articles_article_translation", args=[stories["review"].pk])
    )
    assert "Not reviewed yet" in page.locator("#content").inner_text()
    page.screenshot(path=str(artifacts_dir / "translation-review.png"), full_page=True)
    context.close()
