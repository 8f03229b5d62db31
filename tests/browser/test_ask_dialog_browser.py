"""The desk's own dialog (admin-extra/ask.js) where the story form used the browser's alert() and
prompt(): the body editor's picture search and embeds, and the answers' Link button. It has a
label, says what is wrong in an error region while staying open, and gives focus back; the
browser's own dialogs never open."""

import os
from pathlib import Path

import pytest

from tests.browser.conftest import login
from tests.browser.test_writing_browser import open_form, save
from tests.factories import (
    DEFAULT_PASSWORD,
    ExchangeFactory,
    ImageFactory,
    InterviewFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(os.environ.get("AXE_CORE_PATH", "/tmp/axe/node_modules/axe-core/axe.min.js"))


@pytest.fixture
def native_dialogs(page) -> list[str]:
    """The browser's own dialogs that opened (none should), dismissed."""
    opened: list[str] = []

    def dismiss(dialog):
        opened.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", dismiss)
    return opened


def an_interview():
    article = InterviewFactory(article__body="<p>Before.</p>").article
    ExchangeFactory(article=article, position=1, question="Why?", answer="Because it was time.")
    return article


def error_of(dialog) -> str:
    return dialog.locator("[role=alert]").inner_text()


def test_a_picture_search_without_a_match_says_so_in_the_dialog(page, live_server, native_dialogs):
    UserFactory(username="nadia", role="Editor")
    image = ImageFactory(alt_text="The bakery queue at dawn")
    article = an_interview()
    login(page, live_server, "nadia", DEFAULT_PASSWORD)
    open_form(page, live_server, article)
    page.locator(".field-body .ProseMirror[contenteditable]").first.click()
    page.locator("button[title='Picture from the library']").click()
    dialog = page.locator("dialog.ask-dialog")
    search = dialog.get_by_label("Find a picture in the library")
    assert search.evaluate("e => e === document.activeElement")
    search.fill("tractor")
    dialog.locator("button[type=submit]").click()
    dialog.locator("[role=alert]:not(:empty)").wait_for()
    assert "No picture you can use matches “tractor”" in error_of(dialog)
    assert search.get_attribute("aria-invalid") == "true"
    assert dialog.locator("[role=alert]").get_attribute("id") in search.get_attribute(
        "aria-describedby"
    )
    # Another try, in the same dialog: the error goes as the person types.
    search.fill("bakery")
    assert error_of(dialog) == ""
    dialog.locator("button[type=submit]").click()
    page.locator("dialog select[name=picture]").wait_for()
    page.locator("dialog button[type=submit]").click()
    page.locator("dialog input[name=alt]").wait_for()
    page.locator("dialog button[type=submit]").click()
    page.locator(".ProseMirror img.body-picture").wait_for()
    save(page)
    article.refresh_from_db()
    assert f'data-image="{image.pk}"' in article.body
    assert native_dialogs == []
    assert page.console_errors == []


def test_an_address_no_provider_plays_is_refused_in_the_dialog(page, live_server, native_dialogs):
    UserFactory(username="nadia", role="Editor")
    article = an_interview()
    login(page, live_server, "nadia", DEFAULT_PASSWORD)
    open_form(page, live_server, article)
    page.locator(".field-body .ProseMirror[contenteditable]").first.click()
    page.locator("button[title='Embed a video, audio or post']").click()
    dialog = page.locator("dialog.ask-dialog")
    dialog.get_by_label("Address").fill("https://example.org/video")
    dialog.locator("button[type=submit]").click()
    dialog.locator("[role=alert]:not(:empty)").wait_for()
    assert error_of(dialog)
    assert dialog.is_visible()
    page.keyboard.press("Escape")  # cancelled: nothing inserted, focus back in the editor
    dialog.wait_for(state="detached")
    assert page.evaluate("() => document.activeElement.closest('.ProseMirror') !== null")
    assert page.locator(".ProseMirror figure.body-embed").count() == 0
    assert native_dialogs == []


def test_the_link_button_asks_in_a_labelled_dialog_and_says_what_is_wrong(
    page, live_server, native_dialogs
):
    UserFactory(username="nadia", role="Editor")
    article = an_interview()
    login(page, live_server, "nadia", DEFAULT_PASSWORD)
    open_form(page, live_server, article)
    answer = page.locator("textarea[name$='-answer']").first
    answer.evaluate("e => { e.focus(); e.setSelectionRange(11, 14) }")  # "was"
    page.locator(".answer-markup button", has_text="Link").first.click()
    dialog = page.locator("dialog.ask-dialog")
    field = dialog.get_by_label("Link to")
    assert field.input_value() == "https://"
    field.fill("javascript:alert(1)")
    dialog.locator("button[type=submit]").click()
    dialog.locator("[role=alert]:not(:empty)").wait_for()
    assert "must begin https://, http:// or mailto:" in error_of(dialog)
    field.fill('https://example.org/a"b')
    dialog.locator("button[type=submit]").click()
    dialog.wait_for(state="detached")
    assert answer.evaluate("e => e === document.activeElement")
    assert answer.input_value() == 'Because it <a href="https://example.org/a%22b">was</a> time.'
    # From the keyboard too: Ctrl+K, then Escape leaves the text as it was.
    answer.press("Control+k")
    dialog.wait_for()
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert answer.input_value() == 'Because it <a href="https://example.org/a%22b">was</a> time.'
    assert native_dialogs == []


def test_the_dialog_has_no_accessibility_violations(page, live_server):
    if not AXE.is_file():
        pytest.skip(f"axe-core not found at {AXE}: set AXE_CORE_PATH (see test_accessibility.py)")
    UserFactory(username="nadia", role="Editor")
    article = an_interview()
    login(page, live_server, "nadia", DEFAULT_PASSWORD)
    open_form(page, live_server, article)
    page.locator("textarea[name$='-answer']").first.focus()
    page.locator(".answer-markup button", has_text="Link").first.click()
    dialog = page.locator("dialog.ask-dialog")
    dialog.get_by_label("Link to").fill("nowhere")
    dialog.locator("button[type=submit]").click()
    dialog.locator("[role=alert]:not(:empty)").wait_for()
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """() => axe.run(document.querySelector('dialog.ask-dialog'),
            {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']}})"""
    )
    assert [v["id"] for v in result["violations"]] == []
