"""The desk in headless Chromium: a story goes from a reporter's draft to the public site, through
an editor and a translator, and a second editor's colliding save is refused without losing it."""

import pytest

from articles.models import Article, StatusChange
from articles.roles import EDITOR, REPORTER, TRANSLATOR, sync_roles
from tests.browser.conftest import as_user, fill_interview
from tests.factories import ContributorFactory, SectionFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

HEADLINE = "Bakers of Yalda keep the ovens lit"


def change_page(live_server, article) -> str:
    return f"{live_server.url}/admin/articles/article/{article.pk}/change/"


def press(page, transition: str, comment: str = "") -> None:
    """A workflow button: on the story form a "Save and ..." button of the form (publishing
    and scheduling under the form), elsewhere the workflow panel's own little form."""
    move = page.locator(f"[data-transition={transition}]")
    if not move.count():
        page.locator(f"button[name=_move][value={transition}]").click()
        page.wait_for_load_state()
        return
    if comment:
        move.locator("textarea").fill(comment)
    move.locator("button[type=submit]").click()
    page.wait_for_load_state()


def save_and_continue(page) -> None:
    page.click("input[name=_continue]")
    page.wait_for_load_state()


def test_a_translated_interview_goes_from_draft_to_readers_and_a_collision_is_refused(
    browser, live_server, artifacts_dir
):
    sync_roles()
    UserFactory(username="rana", first_name="Rana", last_name="Kassem", role=REPORTER)
    UserFactory(username="omar", first_name="Omar", last_name="Haddad", role=EDITOR)
    UserFactory(username="layla", first_name="Layla", last_name="Nasser", role=EDITOR)
    UserFactory(username="samir", first_name="Samir", last_name="Aziz", role=TRANSLATOR)
    SectionFactory(name="Syria")
    ContributorFactory(name="Rana Kassem")

    # A reporter writes an interview translated from Arabic, and submits it.
    reporter = as_user(browser, live_server, "rana")
    reporter.goto(f"{live_server.url}/admin/articles/article/add/")
    fill_interview(
        reporter,
        headline=HEADLINE,
        dek="A baker explains how bread still reaches the street.",
        section="Syria",
        contributor="Rana",
    )
    reporter.select_option("#id_original_language", "ar")
    save_and_continue(reporter)
    article = Article.objects.get(headline=HEADLINE)
    assert "bakery reopened" in article.body
    assert article.exchanges.get().question == "What does bread cost now?"
    press(reporter, "submit")
    assert reporter.locator("#workflow-title").inner_text().endswith("editing")

    # An editor finds it waiting on the admin home and sends it to translation review.
    editor = as_user(browser, live_server, "omar")
    assert HEADLINE in editor.locator(".desk-queues").inner_text()
    editor.click(f"text={HEADLINE}")
    editor.wait_for_load_state()
    press(editor, "send_to_translation_review")
    assert "translation review" in editor.locator("#workflow-title").inner_text()

    # The translator attaches the Arabic text, checks it side by side and passes review.
    translator = as_user(browser, live_server, "samir")
    translator.goto(change_page(live_server, article))
    translator.fill("#id_source_headline", "خبازو يلدا يبقون الأفران مشتعلة")
    translator.fill("#id_source_body", "أعيد فتح المخبز الأسبوع الماضي بعد الهدنة.")
    translator.fill("#id_exchanges-0-question_original", "كم سعر الخبز الآن؟")
    translator.fill("#id_exchanges-0-answer_original", "ضعف ما كان عليه.")
    save_and_continue(translator)
    translator.goto(f"{live_server.url}/admin/articles/article/{article.pk}/translation/")
    assert translator.locator('td[dir="rtl"][lang="ar"]').first.is_visible()
    assert translator.locator("mark.not-in-source").inner_text() == "[before the siege]"
    translator.screenshot(path=str(artifacts_dir / "desk-translation-review.png"), full_page=True)
    press(translator, "pass_translation")
    article.refresh_from_db()
    assert article.status == Article.Status.APPROVED

    # The editor publishes; an anonymous reader sees the story.
    editor.goto(change_page(live_server, article))
    press(editor, "publish")
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    reader = browser.new_context().new_page()
    response = reader.goto(f"{live_server.url}/articles/{article.slug}/")
    assert response.status == 200
    assert HEADLINE in reader.locator("h1").first.inner_text()
    reader.context.close()
    moves = list(StatusChange.objects.filter(article=article).values_list("transition", flat=True))
    assert moves == ["submit", "send_to_translation_review", "pass_translation", "publish"]

    # Two editors open the published story; the second save is refused and keeps its text.
    second = as_user(browser, live_server, "layla")
    editor.goto(change_page(live_server, article))
    second.goto(change_page(live_server, article))
    editor.fill("#id_dek", "Omar's new standfirst.")
    save_and_continue(editor)
    second.fill("#id_dek", "Layla's new standfirst, typed with care.")
    save_and_continue(second)
    assert "Omar Haddad saved this story at" in second.locator(".errorlist").first.inner_text()
    assert second.input_value("#id_dek") == "Layla's new standfirst, typed with care."
    second.screenshot(path=str(artifacts_dir / "desk-edit-collision.png"), full_page=True)
    article.refresh_from_db()
    assert article.dek == "Omar's new standfirst."

    for page in (reporter, editor, translator, second):
        assert page.js_errors == []
        page.context.close()
