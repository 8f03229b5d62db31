"""axe-core in headless Chromium: no WCAG 2.2 AA (or best-practice) violations on any public page
type, the 500 and 503 error pages included, in the light and the dark colour scheme, on a desktop
and a phone.

axe-core is not a Python package; install it once outside the repository:

    npm install --prefix /tmp/axe axe-core

or point AXE_CORE_PATH at an axe.min.js. Without it these tests skip, saying so.
"""

import os
from pathlib import Path

import pytest
from django.core.cache import cache

from tests.browser.error_urls import DATABASE_DOWN_URL, SERVER_ERROR_URL
from tests.browser.test_public_browser import build_public_site, public_urls

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

DEFAULT_AXE = Path("/tmp/axe/node_modules/axe-core/axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
SCHEMES_AND_WIDTHS = [("light", 1280), ("dark", 1280), ("light", 390)]


@pytest.fixture(scope="session")
def axe_source() -> str:
    path = Path(os.environ.get("AXE_CORE_PATH", DEFAULT_AXE))
    if not path.is_file():
        pytest.skip(
            f"axe-core not found at {path}: run `npm install --prefix /tmp/axe axe-core` "
            "or set AXE_CORE_PATH to axe.min.js"
        )
    return path.read_text(encoding="utf-8")


@pytest.fixture
def site(live_server):
    cache.clear()
    return build_public_site()


def axe_violations(page, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
        for v in result["violations"]
    ]


def axe_failures(browser, axe_source, scheme, width, pages) -> dict:
    """The axe violations of each page, by name: `pages` maps a name to (URL, the status it
    must answer, or None for any)."""
    # bypass_csp: axe is injected as an inline script, which the site's CSP rightly refuses.
    context = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme=scheme, bypass_csp=True
    )
    page = context.new_page()
    failures = {}
    try:
        for name, (url, status) in pages.items():
            response = page.goto(url)
            assert status is None or response.status == status, url
            violations = axe_violations(page, axe_source)
            if violations:
                failures[name] = violations
    finally:
        context.close()
    return failures


@pytest.mark.parametrize(("scheme", "width"), SCHEMES_AND_WIDTHS, ids=str)
def test_every_public_page_type_passes_axe(browser, live_server, site, axe_source, scheme, width):
    # The 404 and 410 pages are among them: any status, as public_urls() chose.
    pages = {name: (f"{live_server.url}{path}", None) for name, path in public_urls(site).items()}
    assert axe_failures(browser, axe_source, scheme, width, pages) == {}


@pytest.mark.parametrize(("scheme", "width"), SCHEMES_AND_WIDTHS, ids=str)
def test_the_500_and_503_pages_pass_axe(browser, live_server, settings, axe_source, scheme, width):
    # A URLconf with two views that fail: one with a bug (the 500 page of handler500), one
    # without its database (the 503 page of DatabaseUnavailableMiddleware).
    settings.ROOT_URLCONF = "tests.browser.error_urls"
    pages = {
        "500": (f"{live_server.url}{SERVER_ERROR_URL}", 500),
        "503": (f"{live_server.url}{DATABASE_DOWN_URL}", 503),
    }
    assert axe_failures(browser, axe_source, scheme, width, pages) == {}
