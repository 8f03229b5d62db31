"""The Arabic edition in headless Chromium: right to left through the whole page (computed
direction, the navigation laid out from the right, text starting on the right), no axe violations
in either colour scheme, and screenshots kept as artifacts (test-artifacts/edition-*.png)."""

import pytest

from tests.browser.test_accessibility import AXE_TAGS, axe_failures, axe_source  # noqa: F401
from tests.browser.test_public_browser import site  # noqa: F401  (the fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def edition_urls(site) -> dict[str, str]:  # noqa: F811
    interview = site["interview"]
    return {
        "home": "/ar/",
        "section": "/ar/sections/syria/",
        "search": "/ar/search/?q=هدنة",
        "search-empty": "/ar/search/",
        "original": f"/articles/{interview.slug}/original/",
    }


def direction_of(page, selector: str) -> str:
    return page.eval_on_selector(selector, "e => getComputedStyle(e).direction")


def sideways_overflow(page) -> int:
    """How far the page scrolls sideways; right to left, too wide a page spills to the left."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize("width", [1280, 390])
def test_arabic_edition_reads_right_to_left(browser, live_server, site, artifacts_dir, width):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{live_server.url}/ar/")
        assert page.get_attribute("html", "lang") == "ar"
        assert page.get_attribute("html", "dir") == "rtl"
        for selector in ("body", "main", ".site-nav ul", ".story-list"):
            assert direction_of(page, selector) == "rtl", selector
        # The story's original headline, and the Arabic navigation.
        assert "هدنة" in page.locator(".card__headline").first.inner_text()
        nav = page.locator(".site-nav a")
        assert nav.first.inner_text() == "الرئيسية"
        # Laid out from the right: "Home" is the rightmost item, the section after it to its left.
        home, section = (
            box(page, ".site-nav li:nth-child(1) a"),
            box(page, ".site-nav li:nth-child(2) a"),
        )
        assert home["x"] > section["x"]
        # Text starts on the right: the headline's right edge is the content's right edge, and
        # the site's name (first in the masthead) is on the right, the search box to its left.
        headline = box(page, ".card__headline a")
        content = box(page, ".listing")
        padding = page.eval_on_selector(
            ".listing", "e => parseFloat(getComputedStyle(e).paddingRight)"
        )
        assert (
            abs(headline["x"] + headline["width"] - (content["x"] + content["width"] - padding)) < 2
        )
        if width > 640:
            assert box(page, ".site-name")["x"] > box(page, ".site-search")["x"]
        assert sideways_overflow(page) <= 0
        page.screenshot(path=artifacts_dir / f"edition-ar-home-{width}.png", full_page=True)

        # The original story page is part of the edition, right to left from <html> down.
        page.locator(".card__headline a").first.click()
        page.wait_for_load_state()
        assert page.url.endswith(f"/articles/{site['interview'].slug}/original/")
        assert page.get_attribute("html", "dir") == "rtl"
        for selector in ("body", "main", "article.story--original", ".exchange__answer"):
            assert direction_of(page, selector) == "rtl", selector
        # The answer's rule is on its right, the side its lines start from.
        border = page.eval_on_selector(
            ".exchange__answer",
            "e => [getComputedStyle(e).borderRightWidth, getComputedStyle(e).borderLeftWidth]",
        )
        assert border == ["3px", "0px"]
        assert sideways_overflow(page) <= 0
        page.screenshot(path=artifacts_dir / f"edition-ar-original-{width}.png", full_page=True)

        # "Read in English" goes back to the English story.
        page.get_by_role("link", name="اقرأ بالإنكليزية").click()
        page.wait_for_load_state()
        assert page.url.endswith(site["interview"].get_absolute_url())
        assert page.get_attribute("html", "lang") == "en"
        assert direction_of(page, "body") == "ltr"
    finally:
        context.close()
    assert errors == []


def test_arabic_search_in_the_browser(page, live_server, site, artifacts_dir):  # noqa: F811
    page.goto(f"{live_server.url}/ar/")
    page.fill("#site-search-q", "هدنة")
    page.get_by_role("button", name="بحث").click()
    page.wait_for_load_state()
    assert "/ar/search/" in page.url
    assert page.locator("mark").first.inner_text() == "هدنة"
    assert direction_of(page, "main") == "rtl"
    page.screenshot(path=artifacts_dir / "edition-ar-search.png", full_page=True)


@pytest.mark.parametrize(
    ("scheme", "width"), [("light", 1280), ("dark", 1280), ("light", 390)], ids=str
)
def test_arabic_edition_passes_axe(browser, live_server, site, axe_source, scheme, width):  # noqa: F811
    pages = {name: (f"{live_server.url}{path}", 200) for name, path in edition_urls(site).items()}
    assert axe_failures(browser, axe_source, scheme, width, pages) == {}
