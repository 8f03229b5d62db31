"""The desk's admin pages in headless Chromium: nothing refused by the Content-Security-Policy,
and the change page laid out with the workflow panel straight above the form."""

import pytest
from django.urls import reverse

from tests.articles.admin.forms import stale_translation_in_review
from tests.browser.conftest import login
from tests.factories import DEFAULT_PASSWORD, ImageFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def policy_violations(page) -> list[str]:
    return [
        text
        for text in page.console_errors
        if "Content Security Policy" in text or "Content-Security-Policy" in text
    ]


def open_page(page, live_server, url: str) -> None:
    page.console_errors.clear()
    response = page.goto(f"{live_server.url}{url}")
    assert response.status == 200, url
    page.wait_for_load_state("networkidle")


def test_desk_pages_raise_no_policy_violations_nor_script_errors(page, live_server):
    UserFactory(username="nadia", role="Editor")
    article = stale_translation_in_review()
    image = ImageFactory()
    login(page, live_server, "nadia", DEFAULT_PASSWORD)
    urls = [
        reverse("admin:index"),
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_change", args=[article.pk]),
        reverse("admin:articles_article_translation", args=[article.pk]),
        reverse("admin:articles_image_changelist"),
        reverse("admin:articles_image_change", args=[image.pk]),
    ]
    errors = {}
    for url in urls:
        open_page(page, live_server, url)
        errors[url] = page.console_errors[:]
    assert errors == {url: [] for url in urls}
    # The rules that replaced the style attributes are in force.
    open_page(page, live_server, urls[2])
    width = page.locator("#id_bylines-0-position").evaluate("e => getComputedStyle(e).width")
    font_size = page.locator("#id_bylines-0-position").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert float(width.removesuffix("px")) == pytest.approx(4 * font_size, abs=1)
    open_page(page, live_server, urls[4])
    thumbnail = page.locator("img.admin-thumbnail").first
    assert thumbnail.evaluate("e => getComputedStyle(e).height") == "60px"  # 80 wide, 8x6 picture


def test_the_form_starts_right_under_the_workflow_panel(page, live_server):
    UserFactory(username="nadia", role="Editor")
    article = stale_translation_in_review()
    login(page, live_server, "nadia", DEFAULT_PASSWORD)
    open_page(page, live_server, reverse("admin:articles_article_change", args=[article.pk]))
    panel = page.locator(".workflow-panel").bounding_box()
    first_field = page.locator(".form-row.field-headline").bounding_box()
    history = page.locator("#history-title").bounding_box()
    submit = page.locator(".submit-row").last.bounding_box()
    gap = first_field["y"] - (panel["y"] + panel["height"])
    assert 0 <= gap < 60, gap
    # The workflow history heading (once a blue bar in that gap) sits below the save buttons.
    assert history["y"] >= submit["y"] + submit["height"]
    assert policy_violations(page) == []


def test_an_editor_filters_the_story_list_by_typing_a_tag(page, live_server, artifacts_dir):
    from tests.factories import ArticleFactory

    UserFactory(username="nadia", role="Editor")
    ArticleFactory(headline="Bakeries reopen in Douma", kind="news", tags=["bread"])
    ArticleFactory(headline="Water returns to Raqqa", kind="news", tags=["water"])
    ArticleFactory(headline="An interview on bread", kind="interview", tags=["bread"])
    login(page, live_server, "nadia", DEFAULT_PASSWORD)
    open_page(page, live_server, reverse("admin:articles_article_changelist") + "?kind__exact=news")
    tag_box = page.get_by_role("searchbox", name="Tag")
    tag_box.fill("Bread")
    tag_box.press("Enter")
    page.wait_for_load_state("networkidle")
    headlines = page.locator("#result_list td.field-headline, #result_list th.field-headline")
    assert headlines.all_inner_texts() == ["Bakeries reopen in Douma"]  # the kind filter kept
    assert page.get_by_role("searchbox", name="Tag").input_value() == "Bread"
    page.screenshot(path=str(artifacts_dir / "desk-story-list-filtered.png"), full_page=True)
    assert page.console_errors == []
