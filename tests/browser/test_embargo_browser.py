"""An embargo in headless Chromium: an editor holds a live story back from the story form, a reader
without a session finds nothing, the story list says until when, and lifting it early with a
reason gives the story back to readers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, AuditEntry
from articles.roles import EDITOR, sync_roles
from tests.browser.test_workflow_browser import as_user, change_page, save_and_continue
from tests.factories import ArticleFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_an_editor_embargoes_a_live_story_and_lifts_it_early_with_a_reason(browser, live_server):
    sync_roles()
    UserFactory(username="omar", first_name="Omar", last_name="Haddad", role=EDITOR)
    article = ArticleFactory(published=True, headline="Wheat stocks run low in Daraa")
    until = timezone.localtime(timezone.now() + timedelta(days=2))

    reader = browser.new_context().new_page()
    story_url = f"{live_server.url}{article.get_absolute_url()}"
    assert reader.goto(story_url).status == 200

    page = as_user(browser, live_server, "omar")
    page.goto(change_page(live_server, article))
    page.fill("#id_embargo_until_0", until.strftime("%Y-%m-%d"))
    page.fill("#id_embargo_until_1", until.strftime("%H:%M:%S"))
    page.fill("#id_embargo_note", "The ministry's report is out on Thursday.")
    save_and_continue(page)
    assert "Embargoed until" in page.locator(".workflow-panel").inner_text()

    assert reader.goto(story_url).status == 404
    assert article.headline not in reader.goto(f"{live_server.url}/").text()

    page.goto(f"{live_server.url}/admin/articles/article/")
    row = page.locator("tr", has_text=article.headline)
    assert "Embargoed until" in row.locator("td.field-state").inner_text()

    page.goto(change_page(live_server, article))
    page.fill("#id_embargo_until_0", "")
    page.fill("#id_embargo_until_1", "")
    page.fill("#id_embargo_note", "")
    save_and_continue(page)
    assert "needs a reason" in page.content()
    page.fill("#id_embargo_until_0", "")
    page.fill("#id_embargo_until_1", "")
    page.fill("#id_embargo_note", "")
    page.fill("#id_embargo_lift_reason", "The ministry published early.")
    save_and_continue(page)

    assert reader.goto(story_url).status == 200
    assert Article.objects.get(pk=article.pk).embargo_until is None
    entry = AuditEntry.objects.get(action="embargo.lift")
    assert "The ministry published early." in entry.comment
    assert page.js_errors == []
