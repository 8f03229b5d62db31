"""The story form in headless Chromium: an editor publishes a two-question interview in a few
clicks, the checklist refuses what is missing and keeps the typing, and nothing typed is lost
(Enter, leaving the page, autosave, the browser's own copy)."""

import pytest

from articles.models import Article, Autosave, StatusChange
from articles.roles import EDITOR, REPORTER, sync_roles
from tests.browser.conftest import as_user, fill_interview
from tests.factories import (
    DEFAULT_PASSWORD,
    ArticleFactory,
    ContributorFactory,
    SectionFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    # Not serialized_rollback: a serialized test after a plain transactional one in the same
    # process trips over the role groups that post_migrate puts back (test_admin_browser's).
    pytest.mark.django_db(transaction=True),
]

HEADLINE = "Two questions for the bakers of Yalda"


class Clicks:
    """Counts what a person presses: every button and link. Typing into a field and moving
    between fields with Tab are not clicks, nor is choosing from a list with the keyboard."""

    def __init__(self, page):
        self.page = page
        self.pressed: list[str] = []

    def __call__(self, selector: str, why: str) -> None:
        self.page.locator(selector).first.click()
        self.pressed.append(why)


def keep_screenshot(page, artifacts_dir, name: str, near: str | None = None) -> None:
    """What the person sees, `near` an element scrolled into view (else the top of the page), into
    the test artifacts; docs/screenshots/ keeps copies of these, taken by this test."""
    if near:
        page.locator(near).first.evaluate("e => e.scrollIntoView({block: 'center'})")
    else:
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts_dir / name))


def test_an_editor_publishes_a_two_question_interview_in_six_clicks_or_fewer(
    browser, live_server, artifacts_dir
):
    sync_roles()
    UserFactory(username="omar", first_name="Omar", last_name="Haddad", role=EDITOR)
    SectionFactory(name="Syria")
    ContributorFactory(name="Moutasem Jamal")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    click = Clicks(page)

    # Sign-in, as tests/browser/conftest.py's login() does it, counting its two presses.
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import confirmed_totp_device, current_totp_code

    device = confirmed_totp_device(Article._meta.apps.get_model("auth", "User").objects.get())
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "omar")
    page.fill("#id_password", DEFAULT_PASSWORD)
    click("input[type=submit]", "Log in")
    page.wait_for_load_state()
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    device.refresh_from_db()
    page.fill("#id_otp_token", current_totp_code(device))
    click("#two-factor-verify-form input[type=submit]", "Verify the code")
    page.wait_for_load_state()

    click('a.addlink[href$="/admin/articles/article/add/"]', "Add a story")
    page.wait_for_load_state()
    fill_interview(
        page,
        headline=HEADLINE,
        dek="Bread still reaches the street, at twice the price.",
        section="Syria",
        contributor="Moutasem",
        role="interviewer",
    )
    click("#exchanges-group .add-row a", "Add another exchange")
    page.fill("#id_exchanges-1-question", "Who still buys it?")
    page.fill("#id_exchanges-1-answer", "Everyone: there is nothing else.")
    keep_screenshot(page, artifacts_dir, "desk-form-submit-row.png", near=".desk-moves")
    click("button[name=_move][value=publish]", "Save and publish")
    page.wait_for_load_state()

    article = Article.objects.get(headline=HEADLINE)
    assert article.status == Article.Status.PUBLISHED
    assert article.exchanges.count() == 2
    assert list(
        StatusChange.objects.filter(article=article).order_by("pk").values_list("transition")
    ) == [("submit",), ("approve",), ("publish",)]
    assert "saved, and now published" in page.locator("ul.messagelist").inner_text()
    # Log in, Verify the code, Add a story, Add another exchange, Save and publish: 5 (it took
    # 11 before the one-action publish).
    assert len(click.pressed) <= 6, click.pressed
    assert click.pressed == [
        "Log in",
        "Verify the code",
        "Add a story",
        "Add another exchange",
        "Save and publish",
    ]
    reader = browser.new_context().new_page()
    assert reader.goto(f"{live_server.url}/articles/{article.slug}/").status == 200
    reader.context.close()
    assert errors == []
    context.close()


def test_the_checklist_refuses_what_is_missing_and_keeps_the_typing(
    browser, live_server, artifacts_dir
):
    sync_roles()
    UserFactory(username="omar", role=EDITOR)
    article = ArticleFactory(section=None, byline_count=0, headline="Water returns to Raqqa")
    page = as_user(browser, live_server, "omar")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.fill("#id_headline", "Water returns to Raqqa after three years")
    page.click("button[name=_move][value=publish]")
    page.wait_for_load_state()
    refusal = page.locator(".errornote, .errorlist").first.inner_text()
    assert "Nothing was saved" in page.content()
    assert "choose its section" in page.content()
    assert "credit its author" in page.content()
    assert refusal
    assert page.input_value("#id_headline") == "Water returns to Raqqa after three years"
    keep_screenshot(page, artifacts_dir, "desk-form-checklist-refusal.png")
    article.refresh_from_db()
    assert (article.headline, article.status) == ("Water returns to Raqqa", Article.Status.DRAFT)
    assert page.js_errors == []
    page.context.close()


def test_nothing_typed_is_lost(browser, live_server, artifacts_dir):
    sync_roles()
    UserFactory(username="rana", role=REPORTER)
    reporter = Article._meta.apps.get_model("auth", "User").objects.get(username="rana")
    article = ArticleFactory(created_by=reporter, headline="Bakers of Yalda", dek="As saved")
    url = f"{live_server.url}/admin/articles/article/{article.pk}/change/"
    page = as_user(browser, live_server, "rana")
    page.goto(url)
    page.wait_for_load_state("load")

    # Enter in the headline saves nothing and leaves nothing.
    page.fill("#id_headline", "Bakers of Yalda keep")
    page.press("#id_headline", "Enter")
    assert page.url == url
    article.refresh_from_db()
    assert article.headline == "Bakers of Yalda"

    # Leaving with unsaved changes asks first; staying keeps them.
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.click("text=Revisions")
    assert dialogs == ["beforeunload"]
    assert page.input_value("#id_headline") == "Bakers of Yalda keep"

    # Leaving a field autosaves, for this reporter alone, without changing the story.
    def autosaved(text):
        return lambda r: "/autosave/" in r.url and text in (r.request.post_data or "")

    with page.expect_response(autosaved("laptop died")) as answer:
        page.fill("#id_dek", "Typed, then the laptop died")
        page.locator("#id_slug").focus()
    assert answer.value.ok
    assert Autosave.objects.get().data["dek"] == ["Typed, then the laptop died"]
    article.refresh_from_db()
    assert article.dek == "As saved"

    # The connection goes: the browser keeps its own copy.
    page.context.set_offline(True)
    page.fill("#id_dek", "Typed while offline")
    page.locator("#id_slug").focus()
    page.locator("#autosave-status", has_text="connection is lost").wait_for()
    page.context.set_offline(False)

    # Reopened: the server's autosave and the browser's copy are both offered back.
    page.remove_listener("dialog", dismiss)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(url)
    page.wait_for_load_state("load")
    assert page.input_value("#id_dek") == "As saved"
    banner = page.locator(".autosave-offer")
    assert banner.inner_text().startswith("Unsaved changes from ")
    keep_screenshot(page, artifacts_dir, "desk-form-restore-banner.png")
    local = page.locator(".local-copy-offer")
    assert local.is_visible()
    # Dated in the newsroom's time zone, named, as the server's autosave is.
    zone = banner.inner_text().split("(")[1].split(")")[0]
    assert f"({zone})" in local.inner_text()
    local.locator("button[data-local-copy=restore]").click()
    assert page.input_value("#id_dek") == "Typed while offline"
    banner.locator("button[data-autosave=restore]").click()
    assert page.input_value("#id_dek") == "Typed, then the laptop died"

    # Save and submit: saved and moved in one press, and the autosave is gone.
    page.click("button[name=_move][value=submit]")
    page.wait_for_load_state()
    article.refresh_from_db()
    assert (article.dek, article.status) == ("Typed, then the laptop died", Article.Status.EDITING)
    assert not Autosave.objects.exists()
    assert page.js_errors == []
    page.context.close()
