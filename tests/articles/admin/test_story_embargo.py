"""The embargo on the desk: the story list's labels, and the story form's embargo fields saved
through the door (editors; read only for everyone else; lifting early with its reason)."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from articles import changes
from articles.models import Article, AuditEntry
from tests.articles.admin.forms import CHANGELIST, change_url, story_form
from tests.factories import ArticleFactory, BylineFactory, ContributorFactory

pytestmark = pytest.mark.django_db
Status = Article.Status
BEIRUT = ZoneInfo("Asia/Beirut")


def later(**delta) -> datetime:
    return (timezone.now() + timedelta(**delta)).replace(second=0, microsecond=0)


def embargo_fields(until: datetime | None, note: str = "", reason: str = "") -> dict[str, str]:
    local = timezone.localtime(until) if until else None
    return {
        "embargo_until_0": local.strftime("%Y-%m-%d") if local else "",
        "embargo_until_1": local.strftime("%H:%M:%S") if local else "",
        "embargo_note": note,
        "embargo_lift_reason": reason,
    }


# The story list ---------------------------------------------------------------------------------


def test_the_story_list_says_embargoed_until_and_scheduled_for_and_published_only_when_readable(
    editor_client, editor, settings
):
    settings.TIME_ZONE = "Asia/Beirut"
    until = datetime(2031, 3, 4, 15, 30, tzinfo=BEIRUT)
    at = datetime(2031, 3, 5, 9, 0, tzinfo=BEIRUT)
    live = ArticleFactory(headline="Live now", published=True)
    held = ArticleFactory(headline="Published but embargoed", published=True)
    changes.set_embargo(held, until=until, by=editor)
    scheduled_later = ArticleFactory(
        headline="Scheduled after the embargo", status=Status.SCHEDULED, published_at=at
    )
    changes.set_embargo(scheduled_later, until=until, by=editor)
    ArticleFactory(headline="Scheduled only", status=Status.SCHEDULED, published_at=at)
    draft = ArticleFactory(headline="Draft under embargo")
    changes.set_embargo(draft, until=until, by=editor)
    lapsed = ArticleFactory(headline="Embargo passed", published=True)
    Article.objects.filter(pk=lapsed.pk).update(embargo_until=timezone.now() - timedelta(minutes=1))

    response = editor_client.get(CHANGELIST)
    html = response.content.decode()
    rows = {a.headline: a.desk_status for a in response.context["cl"].result_list}
    assert rows[live.headline] == "Published"
    assert rows["Embargo passed"] == "Published"
    assert rows["Published but embargoed"] == "Embargoed until 04 Mar 2031, 15:30 Beirut time"
    assert rows["Scheduled after the embargo"] == (
        "Embargoed until 04 Mar 2031, 15:30 Beirut time, scheduled for 05 Mar 2031, 09:00 "
        "Beirut time"
    )
    assert rows["Scheduled only"] == "Scheduled for 05 Mar 2031, 09:00 Beirut time"
    assert rows["Draft under embargo"] == "Draft, embargoed until 04 Mar 2031, 15:30 Beirut time"
    states = re.findall(r'<td class="field-state">([^<]*)</td>', html)
    assert sorted(states) == sorted(rows.values())
    assert states.count("Published") == 2


# The story form ---------------------------------------------------------------------------------


def test_an_editor_sets_an_embargo_on_the_story_form_through_the_door(editor_client, editor):
    article = ArticleFactory(status=Status.APPROVED)
    until = later(days=2)
    data = story_form(article, **embargo_fields(until, note="Embargoed by the agency."))
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert (article.embargo_until, article.embargo_note) == (until, "Embargoed by the agency.")
    entry = AuditEntry.objects.get(action="embargo.set")
    assert (entry.article, entry.by) == (article, editor)
    # The form shows it back, and saving it again unchanged writes nothing more.
    page = editor_client.get(change_url(article)).content.decode()
    assert "Embargoed by the agency." in page
    assert "Embargoed until " in page  # the desk panel says so above the buttons
    same = embargo_fields(until, note="Embargoed by the agency.")
    editor_client.post(change_url(article), story_form(article, **same))
    assert AuditEntry.objects.filter(action__startswith="embargo").count() == 1


def test_lifting_early_on_the_form_needs_the_reason_and_records_it(editor_client, editor):
    article = ArticleFactory(status=Status.APPROVED)
    article = changes.set_embargo(article, until=later(days=1), note="Agency", by=editor)
    refused = editor_client.post(change_url(article), story_form(article, **embargo_fields(None)))
    assert refused.status_code == 200
    assert "needs a reason" in refused.content.decode()
    article.refresh_from_db()
    assert article.embargo_until is not None

    data = story_form(article, **embargo_fields(None, reason="The minister spoke this morning."))
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.embargo_until is None
    entry = AuditEntry.objects.get(action="embargo.lift")
    assert "Reason: The minister spoke this morning." in entry.comment
    assert entry.by == editor


def test_a_content_edit_and_an_embargo_in_one_save(editor_client):
    article = ArticleFactory(status=Status.APPROVED)
    until = later(hours=6)
    data = story_form(article, headline="A new headline", **embargo_fields(until))
    assert editor_client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert (article.headline, article.embargo_until) == ("A new headline", until)
    assert AuditEntry.objects.filter(action__in=["story.edit", "embargo.set"]).count() == 2


def test_save_and_publish_of_an_embargoed_story_is_refused_and_nothing_is_saved(editor_client):
    article = ArticleFactory(status=Status.APPROVED)
    data = story_form(article, **embargo_fields(later(days=1)), _move="publish")
    response = editor_client.post(change_url(article), data)
    article.refresh_from_db()
    assert article.status == Status.APPROVED
    assert article.embargo_until is None  # the save is undone with the refused move
    assert "embargoed until" in response.content.decode()


def test_a_reporter_sees_the_embargo_read_only_and_cannot_post_one(client, editor, reporter):
    from tests.conftest import login_as

    article = ArticleFactory(created_by=reporter)
    BylineFactory(article=article, contributor=ContributorFactory(user=reporter))
    article = changes.set_embargo(article, until=later(days=1), note="Desk note", by=editor)
    login_as(client, reporter)
    page = client.get(change_url(article))
    form = page.context["adminform"].form
    assert "embargo_until" not in form.fields
    assert "embargo_lift_reason" not in form.fields
    assert "Desk note" in page.content.decode()
    response = client.post(
        change_url(article),
        story_form(article, **embargo_fields(None, reason="Trying")),
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.embargo_until is not None


def test_a_reporters_published_but_embargoed_story_does_not_read_published_on_their_desk(
    client, editor, reporter
):
    from tests.conftest import login_as

    article = ArticleFactory(created_by=reporter, published=True, headline="Held by the desk")
    changes.set_embargo(article, until=later(days=1), by=editor)
    login_as(client, reporter)
    html = client.get("/admin/").content.decode()
    row = html[html.index("Held by the desk") :].split("</tr>")[0]
    assert "Embargoed until" in row
    assert ">Published<" not in row
