"""A correction's original-language text: written through the door (changes.translate_correction)
by translators and editors only, cleaned, audited and announced; and on the desk, a form of its own
beside the story form, right to left for a right-to-left language."""

from datetime import UTC, datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from articles import changes
from articles.models import Article, AuditEntry, Correction
from articles.roles import TRANSLATOR
from tests.factories import ArticleFactory, BylineFactory, ContributorFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = Article.Status

ARABIC = "ذكرت نسخة سابقة من هذا التقرير اسم المدرسة بشكل خاطئ."


def translated_story(**fields) -> Article:
    defaults = {
        "published": True,
        "original_language": "ar",
        "source_headline": "مدرسة تعيد فتح أبوابها في الرقة",
        "source_body": "فقرة أولى.",
    }
    return ArticleFactory(**{**defaults, **fields})


def corrected(article: Article, editor, text: str = "An earlier version misnamed the school."):
    return changes.add_correction(article, text, by=editor)


def test_an_editor_writes_the_original_text_cleaned_audited_and_announced(editor):
    correction = corrected(translated_story(), editor)
    heard = []

    def listen(sender, **kwargs):
        heard.append(kwargs["changed"])

    changes.story_changed.connect(listen)
    try:
        changes.translate_correction(correction, text=f"  {ARABIC}\x0b\x00 ", by=editor)
    finally:
        changes.story_changed.disconnect(listen)
    correction.refresh_from_db()
    assert correction.source_text == ARABIC  # control characters gone, trimmed
    assert heard == [frozenset({"correction_original"})]
    entry = AuditEntry.objects.filter(action="correction.translate").get()
    assert entry.by == editor
    assert entry.article_id == correction.article_id
    assert ARABIC in entry.comment
    assert "Arabic" in entry.comment
    assert entry.get_action_display() == "Correction translated"


def test_any_translator_may_write_it_credited_on_the_story_or_not(editor, translator):
    article = translated_story()
    correction = corrected(article, editor)
    changes.translate_correction(correction, text=ARABIC, by=translator)
    assert Correction.objects.get(pk=correction.pk).source_text == ARABIC
    credited = UserFactory(username="credited", role=TRANSLATOR)
    BylineFactory(
        article=article,
        contributor=ContributorFactory(user=credited),
        role="translator",
    )
    changes.translate_correction(correction, text="نص آخر", by=credited)
    assert Correction.objects.get(pk=correction.pk).source_text == "نص آخر"


def test_a_translator_may_change_it_and_clear_it(editor, translator):
    correction = corrected(translated_story(), editor)
    changes.translate_correction(correction, text=ARABIC, by=translator)
    changes.translate_correction(correction, text="", by=translator)
    assert Correction.objects.get(pk=correction.pk).source_text == ""
    assert AuditEntry.objects.filter(action="correction.translate").count() == 2


def test_the_same_text_again_writes_nothing(editor):
    correction = corrected(translated_story(), editor)
    changes.translate_correction(correction, text=ARABIC, by=editor)
    changes.translate_correction(correction, text=f"{ARABIC} ", by=editor)
    assert AuditEntry.objects.filter(action="correction.translate").count() == 1


def refused(correction, user, text=ARABIC, **kwargs) -> str:
    before = Correction.objects.get(pk=correction.pk).source_text
    audits = AuditEntry.objects.count()
    with pytest.raises(changes.ChangeRefused) as refusal:
        changes.translate_correction(correction, text=text, by=user, **kwargs)
    assert Correction.objects.get(pk=correction.pk).source_text == before
    assert AuditEntry.objects.count() == audits
    return str(refusal.value)


def test_a_reporter_may_not_even_on_their_own_story(editor, reporter):
    own = translated_story(created_by=reporter, headline="The reporter's own story")
    BylineFactory(article=own, contributor=ContributorFactory(user=reporter))
    message = refused(corrected(own, editor), reporter)
    assert "translators and editors" in message


def test_someone_elses_story_is_refused_without_naming_it(editor, reporter):
    other = translated_story(headline="Someone else's secret story")
    message = refused(corrected(other, editor), reporter)
    assert message == "No such story, or not one you may change."
    assert "secret" not in message


def test_nobody_without_a_role_and_nobody_signed_in(editor):
    from django.contrib.auth.models import AnonymousUser

    correction = corrected(translated_story(), editor)
    for user in (UserFactory(username="norole"), AnonymousUser()):
        assert refused(correction, user) == "No such story, or not one you may change."


def test_a_story_with_no_original_language_has_no_original_text(editor, translator):
    correction = corrected(ArticleFactory(published=True), editor)
    assert "no original language" in refused(correction, editor)
    # A translator does not see untranslated stories at all.
    assert refused(correction, translator) == "No such story, or not one you may change."


def test_a_text_changed_since_it_was_loaded_is_refused_naming_what_it_says(editor, translator):
    correction = corrected(translated_story(), editor)
    changes.translate_correction(correction, text=ARABIC, by=editor)
    message = refused(correction, translator, text="نصي", loaded_text="")
    assert ARABIC in message
    assert "نصي" in message
    changes.translate_correction(correction, text="نصي", by=translator, loaded_text=ARABIC)
    assert Correction.objects.get(pk=correction.pk).source_text == "نصي"


# The desk ----------------------------------------------------------------------------------


def original_url(correction) -> str:
    return reverse(
        "admin:articles_article_correction_original", args=[correction.article_id, correction.pk]
    )


def test_the_story_form_offers_a_translator_a_right_to_left_field(translator_client, editor):
    article = translated_story()
    correction = corrected(article, editor)
    html = translator_client.get(
        reverse("admin:articles_article_change", args=[article.pk])
    ).content.decode()
    assert "Public corrections in Arabic" in html
    assert f'action="{original_url(correction)}"' in html
    assert f'id="correction-source-{correction.pk}" name="source_text"' in html
    assert 'lang="ar" dir="rtl"' in html
    # The translation review offers it too.
    review = translator_client.get(reverse("admin:articles_article_translation", args=[article.pk]))
    assert f'action="{original_url(correction)}"' in review.content.decode()


def test_a_translator_saves_it_from_the_desk(translator_client, editor):
    article = translated_story()
    correction = corrected(article, editor)
    response = translator_client.post(
        original_url(correction), {"source_text": ARABIC, "loaded_text": ""}
    )
    change = reverse("admin:articles_article_change", args=[article.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{change}#correction-originals"
    assert Correction.objects.get(pk=correction.pk).source_text == ARABIC
    html = translator_client.get(change).content.decode()
    assert ARABIC in html


def test_a_reporter_gets_no_field_and_is_refused(client, reporter, editor):
    from tests.conftest import login_as

    article = translated_story(created_by=reporter)
    correction = corrected(article, editor)
    login_as(client, reporter)
    html = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert 'name="source_text"' not in html
    response = client.post(original_url(correction), {"source_text": ARABIC})
    assert response.status_code == 302
    assert "translators and editors" in " ".join(map(str, get_messages(response.wsgi_request)))
    assert Correction.objects.get(pk=correction.pk).source_text == ""


def test_someone_elses_story_answers_404_like_no_story(reporter_client, editor):
    correction = corrected(translated_story(), editor)
    assert reporter_client.post(original_url(correction), {"source_text": "x"}).status_code == 404
    ghost = reverse("admin:articles_article_correction_original", args=[999_999, correction.pk])
    assert reporter_client.post(ghost, {"source_text": "x"}).status_code == 404


def test_a_correction_of_another_story_is_not_found_through_this_one(editor_client, editor):
    one, other = translated_story(), translated_story()
    correction = corrected(other, editor)
    url = reverse("admin:articles_article_correction_original", args=[one.pk, correction.pk])
    assert editor_client.post(url, {"source_text": ARABIC}).status_code == 404
    assert Correction.objects.get(pk=correction.pk).source_text == ""


def test_a_get_changes_nothing(editor_client, editor):
    correction = corrected(translated_story(), editor)
    assert editor_client.get(original_url(correction)).status_code == 405


def test_the_date_on_the_desk_is_the_corrections(editor_client, editor):
    correction = corrected(translated_story(), editor)
    Correction.objects.filter(pk=correction.pk).update(
        created_at=datetime(2026, 12, 3, 9, tzinfo=UTC)
    )
    html = editor_client.get(
        reverse("admin:articles_article_change", args=[correction.article_id])
    ).content.decode()
    assert "<strong>3 December 2026</strong> (English)" in html


def test_the_reporter_is_not_told_again_that_the_story_was_corrected(editor, reporter):
    from articles.models import Notice

    article = translated_story(created_by=reporter)
    correction = corrected(article, editor)
    told = Notice.objects.filter(user=reporter).count()
    assert told == 1
    changes.translate_correction(correction, text=ARABIC, by=editor)
    assert Notice.objects.filter(user=reporter).count() == told
