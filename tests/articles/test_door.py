"""The door (articles/changes.py): nothing reaches the story tables around it, and each defect
found on the paths between features stays fixed.

The write matrix (test_write_matrix.py) says who may do what through each path; these tests say
that the door is the only way in, and what each path does with what it is given.
"""

from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles import changes, revisions, workflow
from articles.models import Article, AuditEntry, Section
from tests.conftest import login_as
from tests.factories import (
    ArticleFactory,
    ContributorFactory,
    ImageFactory,
    SectionFactory,
    UserFactory,
)
from tests.helpers import edit, full_story_form

pytestmark = pytest.mark.django_db
Status = Article.Status
PASTE = reverse("admin:articles_article_paste")


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


# The guard ---------------------------------------------------------------------------------------


def test_a_write_to_a_story_table_outside_the_door_is_refused():
    article = ArticleFactory()
    with connection.execute_wrapper(changes.WriteGuard()):
        with pytest.raises(changes.DoorBypassed, match="articles_article"), transaction.atomic():
            Article.objects.filter(pk=article.pk).update(headline="Around the door")
        with pytest.raises(changes.DoorBypassed, match="taggit_t"), transaction.atomic():
            article.tags.add("sneaked-in")
        with changes.door():
            Article.objects.filter(pk=article.pk).update(headline="Through the door")
    assert Article.objects.get(pk=article.pk).headline == "Through the door"


def test_every_request_runs_under_the_guard(settings):
    assert "articles.changes.WriteGuardMiddleware" in settings.MIDDLEWARE

    def writes_around_the_door(request):
        Article.objects.update(headline="Around the door")

    article = ArticleFactory(headline="Untouched")
    with pytest.raises(changes.DoorBypassed), transaction.atomic():
        changes.WriteGuardMiddleware(writes_around_the_door)(object())
    assert Article.objects.get(pk=article.pk).headline == "Untouched"


GUARDED_ADMINS = [
    (model, model_admin)
    for model, model_admin in admin.site._registry.items()
    if model in changes.GUARDED_MODELS
]


@pytest.mark.parametrize(
    ("model", "model_admin"), GUARDED_ADMINS, ids=[m._meta.label for m, _ in GUARDED_ADMINS]
)
def test_every_admin_action_on_the_story_tables_goes_through_the_door(
    model, model_admin, editor, rf
):
    """Each action an admin offers (its own, and any a library registers) is run by an editor on
    every row, under the guard: one that wrote around the door would raise DoorBypassed."""
    ArticleFactory(status=Status.APPROVED, tags=["raqqa"], byline_count=1)
    ArticleFactory(published=True, tags=["idlib"], lead_image=ImageFactory())
    SectionFactory(name="Idlib")
    ContributorFactory(name="Nobody credited")
    client = login_as(Client(), editor)
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    request = rf.get(changelist)
    request.user = editor
    for name in model_admin.get_actions(request):
        rows = [str(pk) for pk in model._default_manager.values_list("pk", flat=True)]
        data = {"action": name, helpers.ACTION_CHECKBOX_NAME: rows, "post": "yes"}
        if name == "merge_selected":
            data["into"] = "north"
        response = client.post(changelist, data)
        assert response.status_code in (200, 302), (name, response.status_code)


def test_the_commands_that_write_stories_go_through_the_door(editor, tmp_path, settings):
    story = tmp_path / "story.txt"
    story.write_text("Headline: Through the door\nSection: Idlib\n\nText.\n")
    SectionFactory(name="Idlib")
    scheduled = ArticleFactory(status=Status.SCHEDULED, published_at=timezone.now())
    with connection.execute_wrapper(changes.WriteGuard()):
        call_command("import_story", str(story), by="editor", stdout=StringIO())
        call_command("publish_scheduled", stdout=StringIO())
    assert Article.objects.filter(headline="Through the door").exists()
    scheduled.refresh_from_db()
    assert scheduled.status == Status.PUBLISHED


def test_the_demo_is_loaded_through_the_door(settings):
    settings.DEBUG = True
    with connection.execute_wrapper(changes.WriteGuard()):
        call_command("load_demo", password="demo-pass-123", stdout=StringIO())
    assert Article.objects.filter(status=Status.PUBLISHED).exists()


# One change, one revision, one audit row, one announcement --------------------------------------


def test_an_edit_records_a_revision_and_an_audit_row_and_announces_once(editor):
    article = ArticleFactory(tags=["raqqa"])
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    changes.story_changed.connect(listener)
    try:
        before = len(revisions.revisions(article))
        changes.edit_story(
            article,
            changes.StoryChanges(fields={"headline": "A new headline"}, tags=["raqqa", "idlib"]),
            by=editor,
        )
    finally:
        changes.story_changed.disconnect(listener)
    assert len(revisions.revisions(article)) == before + 1
    newest = revisions.revisions(article)[0]
    assert newest.by == editor
    assert newest.tags == ["idlib", "raqqa"]
    entry = AuditEntry.objects.get(article=article)
    assert (entry.action, entry.by, entry.changed) == ("story.edit", editor, ["headline", "tags"])
    assert len(heard) == 1
    assert heard[0]["article_ids"] == {article.pk}


def test_a_change_that_changes_nothing_writes_nothing(editor):
    article = ArticleFactory(headline="As it is")
    version = article.version
    edit(article, by=editor, headline="As it is")
    article.refresh_from_db()
    assert article.version == version
    assert not AuditEntry.objects.exists()


def test_a_refused_change_writes_nothing_at_all(reporter):
    article = ArticleFactory(status=Status.EDITING, created_by=reporter, headline="Submitted")
    with pytest.raises(changes.ChangeRefused, match="can no longer change it"):
        edit(article, by=reporter, headline="Changed after submitting")
    article.refresh_from_db()
    assert article.headline == "Submitted"
    assert not AuditEntry.objects.exists()


def test_a_stale_version_is_refused_naming_who_changed_it(editor):
    colleague = UserFactory(username="hala", first_name="Hala", last_name="Nasser", role="Editor")
    article = ArticleFactory()
    loaded = article.version
    edit(article, by=colleague, headline="Hala's headline")
    with pytest.raises(changes.EditConflict, match="Hala Nasser saved this story"):
        changes.edit_story(
            article,
            changes.StoryChanges(fields={"dek": "Mine"}, loaded_version=loaded),
            by=editor,
        )


# Paste copy and import_story: decided on the story as it was ------------------------------------


def test_paste_copy_cannot_take_over_another_reporters_draft(reporter_client, reporter):
    owner = UserFactory(username="owner", role="Reporter")
    draft = ArticleFactory(
        headline="Their draft", slug="their-draft", created_by=owner, byline_count=0
    )
    text = "Headline: Mine now\nSlug: their-draft\nByline: Reporter\n\nMy text.\n"
    response = reporter_client.post(PASTE, {"text": text})
    html = response.content.decode()
    assert response.status_code == 200
    assert "taken by a story you cannot change" in html
    assert "Their draft" not in html
    draft.refresh_from_db()
    assert draft.headline == "Their draft"
    assert not draft.bylines.exists()
    # Not made an owner on the way: they still cannot open it, nor its revisions.
    assert reporter_client.get(change_url(draft)).status_code == 302
    url = reverse("admin:articles_article_revisions", args=[draft.pk])
    assert reporter_client.get(url).status_code == 404


def test_paste_copy_says_nothing_of_another_reporters_story_past_draft(reporter_client):
    owner = UserFactory(username="owner", role="Reporter")
    ArticleFactory(
        headline="A source's name", slug="a-secret", created_by=owner, status=Status.EDITING
    )
    response = reporter_client.post(PASTE, {"text": "Headline: X\nSlug: a-secret\n\nText.\n"})
    html = response.content.decode()
    assert "A source&#x27;s name" not in html
    assert "A source's name" not in html
    assert "Editing" not in html
    assert "past draft" not in html


def test_the_date_in_a_reporters_copy_is_left_to_the_desk(reporter_client):
    text = "Headline: A dated story\nDate: 2030-01-01\n\nText.\n"
    response = reporter_client.post(PASTE, {"text": text}, follow=True)
    article = Article.objects.get(headline="A dated story")
    assert article.published_at is None
    assert "left to the desk" in response.content.decode()


def test_the_date_in_an_editors_copy_is_kept(editor_client):
    editor_client.post(PASTE, {"text": "Headline: From the archive\nDate: 2015-10-04\n\nText.\n"})
    article = Article.objects.get(headline="From the archive")
    assert timezone.localtime(article.published_at).date().isoformat() == "2015-10-04"


def test_import_story_is_refused_for_a_reporter_naming_someone_elses_story(reporter, tmp_path):
    ArticleFactory(slug="their-draft", headline="Their draft")
    path = tmp_path / "copy.txt"
    path.write_text("Headline: Mine\nSlug: their-draft\n\nText.\n")
    err = StringIO()
    with pytest.raises(Exception, match="refused"):
        call_command("import_story", str(path), by="reporter", stdout=StringIO(), stderr=err)
    assert "cannot change" in err.getvalue()
    assert "Their draft" not in err.getvalue()
    assert Article.objects.get(slug="their-draft").headline == "Their draft"


# The publication time is the desk's --------------------------------------------------------------


def test_publish_refuses_a_time_still_to_come_and_points_to_schedule(editor):
    article = ArticleFactory(
        status=Status.APPROVED, published_at=timezone.now() + timezone.timedelta(days=2)
    )
    with pytest.raises(workflow.TransitionNotAllowed, match="schedule it for then"):
        workflow.transition(article, "publish", by=editor)
    article.refresh_from_db()
    assert article.status == Status.APPROVED


def test_a_published_story_cannot_be_given_a_time_to_come(editor):
    article = ArticleFactory(published=True)
    later = timezone.now() + timezone.timedelta(days=1)
    with pytest.raises(changes.ChangeRefused, match="cannot be in the future"):
        edit(article, by=editor, published_at=later)


def test_the_story_list_says_published_only_of_what_readers_can_open(editor_client):
    ArticleFactory(headline="Live now", published=True)
    ArticleFactory(
        headline="Goes live tomorrow",
        status=Status.SCHEDULED,
        published_at=timezone.now() + timezone.timedelta(days=1),
    )
    ArticleFactory(
        headline="Went live at its time",
        status=Status.SCHEDULED,
        published_at=timezone.now() - timezone.timedelta(minutes=1),
    )
    response = editor_client.get(reverse("admin:articles_article_changelist"))
    rows = {article.headline: article.desk_status for article in response.context["cl"].result_list}
    assert rows["Live now"] == "Published"
    assert rows["Went live at its time"] == "Published"
    assert rows["Goes live tomorrow"].startswith("Scheduled for ")


# Tags are editorial data -------------------------------------------------------------------------


def test_a_translator_cannot_rename_merge_or_delete_tags(translator_client):
    article = ArticleFactory(published=True, tags=["raqqa", "idlib"])
    raqqa, idlib = Tag.objects.get(name="raqqa"), Tag.objects.get(name="idlib")
    changelist = reverse("admin:taggit_tag_changelist")
    translator_client.post(reverse("admin:taggit_tag_change", args=[raqqa.pk]), {"name": "Renamed"})
    translator_client.post(
        changelist,
        {
            "action": "merge_selected",
            helpers.ACTION_CHECKBOX_NAME: [raqqa.pk, idlib.pk],
            "into": "x",
        },
    )
    translator_client.post(reverse("admin:taggit_tag_delete", args=[raqqa.pk]), {"post": "yes"})
    assert sorted(article.tags.names()) == ["idlib", "raqqa"]


def test_merging_tags_leaves_a_revision_and_an_audit_row_on_every_story(editor_client, editor):
    first = ArticleFactory(published=True, tags=["raqqa"])
    second = ArticleFactory(published=True, tags=["Raqqa city"])
    revisions_before = [len(revisions.revisions(a)) for a in (first, second)]
    tags = Tag.objects.filter(name__in=["raqqa", "Raqqa city"])
    response = editor_client.post(
        reverse("admin:taggit_tag_changelist"),
        {
            "action": "merge_selected",
            helpers.ACTION_CHECKBOX_NAME: [t.pk for t in tags],
            "into": "Raqqa",
        },
    )
    assert response.status_code == 302
    for article, count in zip((first, second), revisions_before, strict=True):
        assert list(article.tags.names()) == ["Raqqa"]
        assert len(revisions.revisions(article)) == count + 1
        assert revisions.revisions(article)[0].tags == ["Raqqa"]
        assert AuditEntry.objects.filter(article=article, action="tag.merge", by=editor).exists()


def test_the_old_merge_address_answers_without_an_error(editor_client):
    response = editor_client.post("/admin/taggit/tag/merge-tags/", {"new_tag_name": "x"})
    assert response.status_code < 500


def test_a_translator_cannot_retag_a_story_in_translation_review(translator_client):
    article = ArticleFactory(
        status=Status.TRANSLATION_REVIEW, original_language="ar", tags=["raqqa"]
    )
    data = full_story_form(article, tags="raqqa, planted")
    translator_client.post(change_url(article), data)
    assert list(article.tags.names()) == ["raqqa"]


def test_restoring_a_revision_brings_its_tags_back(editor):
    article = ArticleFactory(tags=["raqqa"])
    edit(article, by=editor, headline="Second")
    changes.edit_story(article, changes.StoryChanges(tags=["idlib"]), by=editor)
    with_raqqa = revisions.revisions(article)[1]
    changes.restore_revision(article, with_raqqa, by=editor)
    assert list(article.tags.names()) == ["raqqa"]


# What a person typed is kept --------------------------------------------------------------------


def test_a_colleagues_move_while_the_form_is_open_keeps_what_the_editor_typed(editor_client):
    colleague = UserFactory(username="hala", first_name="Hala", last_name="Nasser", role="Editor")
    article = ArticleFactory(status=Status.APPROVED)
    typed = full_story_form(article, dek="Three careful sentences the editor typed.")
    workflow.transition(article, "publish", by=colleague)
    response = editor_client.post(change_url(article), typed)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Hala Nasser published this story" in html
    assert "Three careful sentences the editor typed." in html
    article.refresh_from_db()
    assert article.dek != "Three careful sentences the editor typed."


def test_a_translator_whose_story_went_back_to_draft_gets_their_words_back(
    translator_client, editor
):
    article = ArticleFactory(status=Status.TRANSLATION_REVIEW, original_language="ar")
    typed = full_story_form(article, source_body="نص مترجم بعناية")
    workflow.transition(article, "return_translation", by=editor, comment="Not yet.")
    workflow.transition(article, "return_to_reporter", by=editor, comment="Rework it.")
    response = translator_client.post(change_url(article), typed)
    html = response.content.decode()
    assert response.status_code == 409
    assert "نص مترجم بعناية" in html
    assert "No such story, or not one you may change." in html  # no longer one they may open


# Safe redirects ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"],
)
def test_a_workflow_button_never_sends_anyone_off_the_site(editor_client, target):
    article = ArticleFactory()
    url = reverse("admin:articles_article_transition", args=[article.pk, "submit"])
    response = editor_client.post(url, {"next": target})
    assert response.status_code == 302
    assert response["Location"] == change_url(article)


def test_a_workflow_button_goes_back_where_it_was_pressed(editor_client):
    article = ArticleFactory()
    url = reverse("admin:articles_article_transition", args=[article.pk, "submit"])
    response = editor_client.post(url, {"next": "/admin/articles/article/"})
    assert response["Location"] == "/admin/articles/article/"


# The library ------------------------------------------------------------------------------------


def test_a_section_is_added_through_the_door_and_audited(editor_client, editor):
    response = editor_client.post(
        reverse("admin:articles_section_add"), {"name": "Daraa\vnews", "position": "3"}
    )
    assert response.status_code == 302
    section = Section.objects.get()
    assert section.name == "Daraa news"
    assert AuditEntry.objects.get(action="library.add").by == editor


def test_a_reporter_cannot_change_a_contributors_name(reporter_client):
    contributor = ContributorFactory(name="Hala Nasser")
    url = reverse("admin:articles_contributor_change", args=[contributor.pk])
    reporter_client.post(url, {"name": "Someone else"})
    contributor.refresh_from_db()
    assert contributor.name == "Hala Nasser"
