"""Preview links through the door: who may make and revoke them (every role, their own story and
someone else's), their expiry, the audit rows, the signed address, and the guard."""

from datetime import timedelta

import pytest
from django.core import signing
from django.db import connection, transaction
from django.utils import timezone

from articles import changes, permissions, previews
from articles.models import Article, AuditEntry, Byline, PreviewLink, PreviewOpening
from articles.roles import REPORTER
from tests.factories import ArticleFactory, BylineFactory, ContributorFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = Article.Status


@pytest.fixture
def someone_elses_draft(editor):
    return ArticleFactory(headline="Someone else's draft", created_by=editor)


@pytest.fixture
def own_draft(reporter):
    return ArticleFactory(headline="The reporter's own draft", created_by=reporter)


def in_review(**kwargs):
    return ArticleFactory(
        status=Status.TRANSLATION_REVIEW,
        original_language="ar",
        source_headline="عنوان",
        source_body="نص",
        **kwargs,
    )


# Who may make a link ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state", [Status.DRAFT, Status.EDITING, Status.APPROVED, Status.SCHEDULED, Status.PUBLISHED]
)
def test_an_editor_makes_a_link_to_anyones_story_in_any_state_but_withdrawn(editor, state):
    reporter = UserFactory(role=REPORTER)
    article = ArticleFactory(status=state, created_by=reporter, published_at=timezone.now())
    link = changes.create_preview_link(article, by=editor)
    assert link.article == article
    assert link.created_by == editor
    assert link.is_active


def test_a_reporter_makes_a_link_to_their_own_story_in_any_state(reporter, own_draft, editor):
    assert changes.create_preview_link(own_draft, by=reporter).created_by == reporter
    Article.objects.filter(pk=own_draft.pk).update(status=Status.EDITING)
    own_draft.refresh_from_db()
    assert changes.create_preview_link(own_draft, by=reporter).is_active


def test_a_reporter_credited_on_a_story_counts_it_as_their_own(reporter, someone_elses_draft):
    BylineFactory(
        article=someone_elses_draft, contributor=ContributorFactory(user=reporter), position=1
    )
    assert changes.create_preview_link(someone_elses_draft, by=reporter).is_active


def test_a_reporter_may_not_share_someone_elses_story(reporter, someone_elses_draft):
    with pytest.raises(changes.ChangeRefused) as refusal:
        changes.create_preview_link(someone_elses_draft, by=reporter)
    # Said as for any story they may not open: nothing about it, not even that it exists.
    assert str(refusal.value) == permissions.NOT_YOURS
    assert not PreviewLink.objects.exists()


def test_a_reporter_may_not_share_another_reporters_published_story(reporter):
    other = UserFactory(role=REPORTER)
    article = ArticleFactory(published=True, created_by=other)
    with pytest.raises(changes.ChangeRefused):
        changes.create_preview_link(article, by=reporter)


def test_a_translator_may_not_share_a_story_handed_to_them_for_review(translator, editor):
    article = in_review(created_by=editor)
    assert permissions.can_view_article(translator, article)
    with pytest.raises(changes.ChangeRefused, match="editors, and by reporters"):
        changes.create_preview_link(article, by=translator)
    assert not PreviewLink.objects.exists()


def test_a_translator_credited_on_a_story_they_can_open_may_share_it(translator, editor):
    article = in_review(created_by=editor)
    Byline.objects.create(
        article=article,
        contributor=ContributorFactory(user=translator),
        role=Byline.Role.TRANSLATOR,
        position=5,
    )
    assert changes.create_preview_link(article, by=translator).created_by == translator


def test_a_translator_credited_on_a_draft_they_cannot_open_may_not(translator, editor):
    article = ArticleFactory(created_by=editor, original_language="ar")
    Byline.objects.create(
        article=article,
        contributor=ContributorFactory(user=translator),
        role=Byline.Role.TRANSLATOR,
        position=5,
    )
    with pytest.raises(changes.ChangeRefused) as refusal:
        changes.create_preview_link(article, by=translator)
    assert str(refusal.value) == permissions.NOT_YOURS


def test_no_one_shares_a_withdrawn_story(editor):
    article = ArticleFactory(published=True)
    Article.objects.filter(pk=article.pk).update(status=Status.WITHDRAWN)
    article.refresh_from_db()
    with pytest.raises(changes.ChangeRefused, match="withdrawn"):
        changes.create_preview_link(article, by=editor)


def test_an_account_that_was_closed_may_not(editor, someone_elses_draft):
    editor.is_active = False
    editor.save()
    with pytest.raises(changes.ChangeRefused):
        changes.create_preview_link(someone_elses_draft, by=editor)


def test_the_permission_is_asked_of_the_story_as_the_database_has_it(reporter, own_draft):
    """A stale copy in memory saying the story is the reporter's does not make it theirs."""
    other = UserFactory(role=REPORTER)
    Article.objects.filter(pk=own_draft.pk).update(created_by=other)
    with pytest.raises(changes.ChangeRefused):
        changes.create_preview_link(own_draft, by=reporter)


# Expiry -------------------------------------------------------------------------------------------


def test_a_link_is_open_48_hours_unless_told_otherwise(editor, someone_elses_draft):
    before = timezone.now()
    link = changes.create_preview_link(someone_elses_draft, by=editor)
    assert before + timedelta(hours=48) <= link.expires_at <= timezone.now() + timedelta(hours=48)


def test_the_expiry_is_chosen_when_the_link_is_made(editor, someone_elses_draft):
    when = timezone.now() + timedelta(days=5)
    link = changes.create_preview_link(someone_elses_draft, by=editor, expires_at=when)
    assert link.expires_at == when


@pytest.mark.parametrize(
    ("delta", "message"),
    [
        (timedelta(hours=-1), "at least ten minutes"),
        (timedelta(minutes=2), "at least ten minutes"),
        (timedelta(days=31), "30 days at most"),
    ],
)
def test_an_expiry_too_soon_or_too_far_is_refused(editor, someone_elses_draft, delta, message):
    with pytest.raises(changes.ChangeRefused, match=message):
        changes.create_preview_link(
            someone_elses_draft, by=editor, expires_at=timezone.now() + delta
        )
    assert not PreviewLink.objects.exists()
    assert not AuditEntry.objects.filter(action="preview.create").exists()


# Revoking -----------------------------------------------------------------------------------------


def test_an_editor_revokes_a_link_a_reporter_made(editor, reporter, own_draft):
    link = changes.create_preview_link(own_draft, by=reporter)
    revoked = changes.revoke_preview_link(link, by=editor)
    assert revoked.revoked_by == editor
    assert revoked.revoked_at is not None
    assert not revoked.is_active


def test_a_reporter_revokes_a_link_to_their_own_story(editor, reporter, own_draft):
    link = changes.create_preview_link(own_draft, by=editor)
    assert changes.revoke_preview_link(link, by=reporter).revoked_by == reporter


def test_another_reporter_and_a_translator_may_not_revoke(editor, reporter, translator):
    article = in_review(created_by=editor)
    link = changes.create_preview_link(article, by=editor)
    for person in (reporter, translator):
        with pytest.raises(changes.ChangeRefused):
            changes.revoke_preview_link(link, by=person)
    link.refresh_from_db()
    assert link.is_active


def test_a_withdrawn_storys_links_can_still_be_revoked(editor, reporter):
    article = ArticleFactory(published=True, created_by=reporter)
    link = changes.create_preview_link(article, by=reporter)
    Article.objects.filter(pk=article.pk).update(status=Status.WITHDRAWN)
    assert changes.revoke_preview_link(link, by=reporter).revoked_at is not None


def test_revoking_twice_changes_nothing_the_second_time(editor, someone_elses_draft):
    link = changes.create_preview_link(someone_elses_draft, by=editor)
    first = changes.revoke_preview_link(link, by=editor)
    second = changes.revoke_preview_link(link, by=editor)
    assert second.revoked_at == first.revoked_at
    assert AuditEntry.objects.filter(action="preview.revoke").count() == 1


# The audit trail -------------------------------------------------------------------------------


def test_making_and_revoking_leave_audit_rows(editor, someone_elses_draft):
    link = changes.create_preview_link(someone_elses_draft, by=editor)
    changes.revoke_preview_link(link, by=editor)
    made, revoked = AuditEntry.objects.filter(article=someone_elses_draft).order_by("pk")
    assert (made.action, made.by, made.changed) == ("preview.create", editor, ["preview"])
    assert "open until" in made.comment
    assert (revoked.action, revoked.by) == ("preview.revoke", editor)
    assert made.get_action_display() == "Preview link made"
    assert revoked.get_action_display() == "Preview link revoked"


def test_a_link_changes_nothing_readers_see(editor, someone_elses_draft):
    """No revision, no new version, and so no page-cache invalidation."""
    revisions = someone_elses_draft.history.count()
    changes.create_preview_link(someone_elses_draft, by=editor)
    article = Article.objects.get(pk=someone_elses_draft.pk)
    assert article.version == someone_elses_draft.version
    assert article.history.count() == revisions


# The signed address ------------------------------------------------------------------------------


def test_the_address_is_absolute_and_carries_the_key_signed(editor, someone_elses_draft, settings):
    settings.SITE_URL = "https://news.example.org"
    settings.SITE_URL_FROM_REQUEST = False
    link = changes.create_preview_link(someone_elses_draft, by=editor)
    url = previews.preview_url(link)
    token = previews.token_for(link)
    assert url == f"https://news.example.org/preview/{token}/"
    assert token.startswith(link.key + previews.SEPARATOR)
    assert previews.active_link(token) == link


def test_a_key_without_its_signature_or_signed_otherwise_opens_nothing(editor, someone_elses_draft):
    link = changes.create_preview_link(someone_elses_draft, by=editor)
    token = previews.token_for(link)
    other_salt = signing.Signer(salt="something.else", sep=previews.SEPARATOR).sign(link.key)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for attempt in (link.key, other_salt, tampered, token + "x", "", "." * 300):
        assert previews.active_link(attempt) is None, attempt


def test_an_expired_or_revoked_link_opens_nothing(editor, someone_elses_draft):
    expired = changes.create_preview_link(someone_elses_draft, by=editor)
    PreviewLink.objects.filter(pk=expired.pk).update(
        created_at=timezone.now() - timedelta(days=3), expires_at=timezone.now()
    )
    revoked = changes.create_preview_link(someone_elses_draft, by=editor)
    changes.revoke_preview_link(revoked, by=editor)
    assert previews.active_link(previews.token_for(expired)) is None
    assert previews.active_link(previews.token_for(revoked)) is None


def test_each_link_has_its_own_key(editor, someone_elses_draft):
    keys = {changes.create_preview_link(someone_elses_draft, by=editor).key for _ in range(5)}
    assert len(keys) == 5
    assert all(len(key) >= 24 for key in keys)


# The guard ----------------------------------------------------------------------------------------


def test_a_link_made_around_the_door_is_refused(someone_elses_draft):
    with (
        connection.execute_wrapper(changes.WriteGuard()),
        pytest.raises(changes.DoorBypassed, match="previewlink"),
        transaction.atomic(),
    ):
        PreviewLink.objects.create(
            article=someone_elses_draft,
            key="sneaked",
            expires_at=timezone.now() + timedelta(hours=1),
        )


def test_an_opening_is_recorded_under_the_guard(editor, someone_elses_draft):
    """The reader's request writes the opening itself: that table is not guarded, and nothing
    else of the door opens for it."""
    link = changes.create_preview_link(someone_elses_draft, by=editor)
    with connection.execute_wrapper(changes.WriteGuard()):
        previews.record_opening(link)
        assert not changes.is_inside()
    assert PreviewOpening.objects.filter(link=link).count() == 1


def test_an_opening_knows_when_and_nothing_else():
    names = {field.name for field in PreviewOpening._meta.get_fields()}
    assert names == {"id", "link", "opened_at"}


def test_deleting_a_story_deletes_its_links_and_their_openings(editor, someone_elses_draft):
    link = changes.create_preview_link(someone_elses_draft, by=editor)
    previews.record_opening(link)
    changes.delete_story(someone_elses_draft, by=editor)
    assert not PreviewLink.objects.exists()
    assert not PreviewOpening.objects.exists()
