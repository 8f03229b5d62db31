"""A shareable preview in headless Chromium: an editor signs in to the desk, makes a link to a
draft, and someone with no account opens it in a browser that has never seen the site."""

import os
from pathlib import Path

import pytest

from articles import changes, previews
from articles.models import PreviewLink, PreviewOpening
from articles.roles import EDITOR, REPORTER, sync_roles
from tests.browser import test_accessibility as accessibility
from tests.browser.conftest import login
from tests.factories import DEFAULT_PASSWORD, ArticleFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

HEADLINE = "Yarmouk crossing to reopen, officials say"
BODY = "Two officials said the crossing would reopen on Sunday."


def test_an_editor_shares_a_draft_and_a_browser_without_a_session_opens_it(
    browser, live_server, artifacts_dir, settings
):
    # Absolute links follow the address the site is reached at (the live server's port).
    settings.SITE_URL = live_server.url
    sync_roles()
    reporter = UserFactory(username="rana", role=REPORTER)
    UserFactory(username="omar", first_name="Omar", last_name="Haddad", role=EDITOR)
    article = ArticleFactory(headline=HEADLINE, body=f"<p>{BODY}</p>", created_by=reporter)

    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, live_server, "omar", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    panel = page.locator("#preview-links")
    assert "No open preview links." in panel.inner_text()
    panel.get_by_role("button", name="Make a preview link").click()
    page.wait_for_load_state()
    address_box = page.locator("#preview-links input.preview-url")
    address = address_box.input_value()
    assert address.startswith(f"{live_server.url}/preview/")
    link = PreviewLink.objects.get(article=article)
    assert "Not yet" in page.locator("#preview-links").inner_text()
    page.locator("#preview-links").screenshot(path=str(artifacts_dir / "preview-desk-panel.png"))
    assert errors == []

    # Someone without an account: a new browser context, no cookies, no session.
    outside = browser.new_context(viewport={"width": 1280, "height": 900})
    assert outside.cookies() == []
    reader = outside.new_page()
    reader.set_default_timeout(15_000)
    response = reader.goto(address)
    assert response is not None
    assert response.status == 200
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    banner = reader.get_by_role("region", name="Not published")
    assert banner.is_visible()
    assert "has not been published" in banner.inner_text()
    assert reader.locator("h1.story__headline").inner_text() == HEADLINE
    assert BODY in reader.locator(".story__body").inner_text()
    assert reader.locator(".share").count() == 0
    assert reader.locator('meta[name="robots"]').get_attribute("content") == "noindex, nofollow"
    # The banner stands out: dark text on yellow, well past WCAG AA's 4.5:1.
    colours = banner.evaluate(
        "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]"
    )
    assert colours == ["rgb(17, 17, 17)", "rgb(255, 213, 74)"]
    assert outside.cookies() == []
    reader.screenshot(path=str(artifacts_dir / "preview-not-published.png"), full_page=True)
    assert PreviewOpening.objects.filter(link=link).count() == 1

    # Revoked from the desk, the same address shows nothing of the story.
    page.reload()
    page.locator("#preview-links").get_by_role("button", name="Revoke").click()
    page.wait_for_load_state()
    assert "No open preview links." in page.locator("#preview-links").inner_text()
    response = reader.goto(address)
    assert response is not None
    assert response.status == 404
    assert HEADLINE not in reader.content()
    reader.screenshot(path=str(artifacts_dir / "preview-revoked.png"))
    outside.close()
    desk.close()


@pytest.fixture(scope="session")
def axe() -> str:
    path = Path(os.environ.get("AXE_CORE_PATH", accessibility.DEFAULT_AXE))
    if not path.is_file():
        pytest.skip(f"axe-core not found at {path} (see tests/browser/test_accessibility.py)")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("scheme", "width"), accessibility.SCHEMES_AND_WIDTHS, ids=str)
def test_the_preview_pages_pass_axe(browser, live_server, axe, scheme, width):
    """The banner is a named region with text that passes contrast, in both colour schemes and
    on a phone; the original-language preview and the page of a link that opens nothing too."""
    editor = UserFactory(username="omar", role=EDITOR)
    article = ArticleFactory(
        headline=HEADLINE,
        body=f"<p>{BODY}</p>",
        original_language="ar",
        source_headline="معبر اليرموك يفتح من جديد",
        source_body="قال مسؤولان إن المعبر سيفتح يوم الأحد.",
    )
    link = changes.create_preview_link(article, by=editor)
    address = f"{live_server.url}{previews.preview_path(link)}"
    pages = {
        "preview": (address, 200),
        "preview of the original": (f"{address}original/", 200),
        "preview not available": (f"{live_server.url}/preview/not-a-token/", 404),
    }
    assert accessibility.axe_failures(browser, axe, scheme, width, pages) == {}
