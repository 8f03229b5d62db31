"""The public site in headless Chromium: pages load without console errors, links work, the
interview and its original read as they should, and screenshots are kept as artifacts."""

from datetime import timedelta
from urllib.parse import urljoin, urlparse

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article, Byline, Correction
from interviews.models import Exchange, Interview
from tests.factories import ArticleFactory, BylineFactory, ContributorFactory, SectionFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def build_public_site() -> dict[str, Article]:
    """A section with stories, a translated interview with its Arabic text, a withdrawn story."""
    syria = SectionFactory(name="Syria", description="Reporting from inside Syria.")
    jamal = ContributorFactory(
        name="Moutasem Jamal", affiliation="Reporter", bio="Moutasem Jamal reports on Damascus."
    )
    translator = ContributorFactory(name="Rima Darwish", affiliation="Translator")
    interview = ArticleFactory(
        headline="Rebels, IS agree to truce in south Damascus",
        slug="rebels-is-agree-to-truce-in-south-damascus",
        dek="Rebel factions in the al-Qadam joint operations room agreed to a truce.",
        body=(
            "<p>Rebel factions in the al-Qadam joint operations room agreed to a truce with the "
            "Islamic State this past Thursday.</p><p>“The majority have supported the "
            "agreement,” Ammar al-Maydani, a south Damascus media activist tells Moutasem Jamal."
            "</p>"
        ),
        kind=Article.Kind.INTERVIEW,
        section=syria,
        status=Article.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(hours=1),
        original_language="ar",
        source_headline="الثوار وتنظيم الدولة يتفقون على هدنة في جنوب دمشق",
        source_dek="اتفقت فصائل غرفة عمليات القدم على هدنة.",
        source_body="اتفقت فصائل المعارضة في غرفة عمليات القدم على هدنة.\n\nقال عمار الميداني.",
        tags=["Damascus", "Truce"],
    )
    Interview.objects.create(
        article=interview,
        interviewee_name="Ammar al-Maydani",
        interviewee_description="a south Damascus media activist",
    )
    Exchange.objects.create(
        article=interview,
        position=0,
        question="Why has the conciliation agreement been reached at this time in particular?",
        answer="There are many reasons, including the ring of regime blockades in the "
        "[south Damascus] area.",
        question_original="لماذا تم التوصل إلى اتفاق المصالحة في هذا الوقت بالذات؟",
        answer_original="هناك أسباب كثيرة، منها حصار النظام في منطقة [جنوب دمشق].",
    )
    Exchange.objects.create(
        article=interview,
        position=1,
        question="How do the people of al-Qadam view it?",
        answer="The majority have supported the agreement.\n\n[Since reaching the agreement,] "
        "both sides have begun to withdraw.",
        question_original="كيف ينظر أهالي القدم إلى الاتفاق؟",
        answer_original="أيدت الأغلبية الاتفاق.",
    )
    BylineFactory(article=interview, contributor=jamal, role=Byline.Role.INTERVIEWER, position=0)
    BylineFactory(
        article=interview, contributor=translator, role=Byline.Role.TRANSLATOR, position=1
    )
    Correction.objects.create(
        article=interview,
        text="An earlier version misdated the truce.",
        source_text="أخطأت نسخة سابقة في تاريخ الهدنة.",
    )
    news = []
    for n in range(3):
        story = ArticleFactory(
            headline=f"Bread prices rise in Ghouta, report {n}",
            section=syria,
            status=Article.Status.PUBLISHED,
            published_at=timezone.now() - timedelta(hours=2 + n),
            tags=["Ghouta"],
        )
        BylineFactory(article=story, contributor=jamal, role=Byline.Role.REPORTER, position=0)
        news.append(story)
    withdrawn = ArticleFactory(
        headline="A withdrawn story",
        status=Article.Status.WITHDRAWN,
        published_at=timezone.now() - timedelta(days=1),
    )
    Article.objects.filter(pk=withdrawn.pk).update(withdrawn_reason="A source's safety.")
    return {"interview": interview, "news": news[0], "withdrawn": withdrawn}


def public_urls(site: dict[str, Article]) -> dict[str, str]:
    """One URL of every public page type."""
    interview = site["interview"]
    month = timezone.localtime(interview.published_at)
    return {
        "home": "/",
        "article": site["news"].get_absolute_url(),
        "interview": interview.get_absolute_url(),
        "original": f"/articles/{interview.slug}/original/",
        "section": "/sections/syria/",
        "tag": "/tags/ghouta/",
        "contributor": "/contributors/moutasem-jamal/",
        "archive": f"/archive/{month.year}/{month.month:02d}/",
        "search": "/search/?q=truce",
        "search-empty": "/search/",
        "corrections": "/corrections/",
        "not-found": "/articles/no-such-story/",
        "gone": site["withdrawn"].get_absolute_url(),
    }


@pytest.fixture
def site(live_server):
    cache.clear()  # pages cached by an earlier test's (flushed) data must not be served
    return build_public_site()


def internal_links(page, base: str) -> set[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    links = set()
    for href in hrefs:
        url = urljoin(page.url, href)
        if urlparse(url).netloc == urlparse(base).netloc:
            links.add(url.split("#")[0])
    return links


def check_links(page, base: str) -> None:
    for url in sorted(internal_links(page, base)):
        response = page.request.get(url)
        assert response.status < 400, f"{url} answered {response.status}"


def test_home_loads_without_errors_and_its_links_work(page, live_server, site, artifacts_dir):
    page.goto(f"{live_server.url}/")
    assert page.title().startswith("Newsroom")
    assert page.locator("h1").count() == 1
    assert page.get_by_role("link", name=site["interview"].headline).first.is_visible()
    check_links(page, live_server.url)
    page.screenshot(path=artifacts_dir / "public-home.png", full_page=True)
    assert page.console_errors == []


def test_reader_goes_from_home_to_interview_to_original(page, live_server, site, artifacts_dir):
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name=site["interview"].headline).first.click()
    page.wait_for_load_state()
    assert page.url.endswith(site["interview"].get_absolute_url())
    assert page.locator("h1").inner_text() == site["interview"].headline
    assert page.locator("dl.exchanges dt").count() == 2
    assert page.locator("ins.insertion").first.inner_text() == "[south Damascus]"
    assert "Interview by Moutasem Jamal" in page.locator(".byline").inner_text()
    assert "Translated from Arabic by Rima Darwish" in page.locator(".byline").inner_text()
    assert "misdated the truce" in page.locator(".corrections").inner_text()
    # Each question has its own anchor a reader can link to.
    page.locator('a[href="#q2"]').click()
    assert page.url.endswith("#q2")
    check_links(page, live_server.url)
    page.screenshot(path=artifacts_dir / "public-interview.png", full_page=True)

    page.get_by_role("link", name="Read the original in Arabic").click()
    page.wait_for_load_state()
    original = page.locator("article[lang]")
    assert original.get_attribute("lang") == "ar"
    assert original.get_attribute("dir") == "rtl"
    assert "هدنة" in page.locator("h1").inner_text()
    check_links(page, live_server.url)
    page.screenshot(path=artifacts_dir / "public-original.png", full_page=True)
    assert page.console_errors == []


@pytest.mark.parametrize("width", [320, 390])
def test_pages_fit_a_phone_without_sideways_scrolling(
    browser, live_server, site, width, artifacts_dir
):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        for name, path in public_urls(site).items():
            page.goto(f"{live_server.url}{path}")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name} scrolls sideways at {width}px"
        page.goto(f"{live_server.url}{site['interview'].get_absolute_url()}")
        page.screenshot(path=artifacts_dir / f"public-interview-{width}.png", full_page=True)
    finally:
        context.close()


def test_site_works_with_javascript_off(browser, live_server, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        page.fill("#site-search-q", "truce")
        page.press("#site-search-q", "Enter")
        page.wait_for_load_state()
        assert "/search/?q=truce" in page.url
        assert page.get_by_role("link", name=site["interview"].headline).is_visible()
    finally:
        context.close()


def test_skip_link_is_first_and_visible_on_focus(page, live_server, site):
    page.goto(f"{live_server.url}{site['interview'].get_absolute_url()}")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0
    assert box["height"] > 0
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
