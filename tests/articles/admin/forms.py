"""The story admin's pages and forms as a browser posts them, shared by the tests of the desk."""

from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import InterviewArticleFactory
from tests.helpers import byline_rows, inline_management

__all__ = ["byline_rows", "management"]

CHANGELIST = reverse("admin:articles_article_changelist")
ADD = reverse("admin:articles_article_add")
PASTE = reverse("admin:articles_article_paste")


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


management = inline_management


def story_form(article=None, **overrides) -> dict[str, str]:
    """The POST body of the story form with no inline rows, as the browser would send it."""
    data = {
        "headline": article.headline if article else "Schools reopen in Daraa",
        "slug": article.slug if article else "",
        "dek": article.dek if article else "Children return after three years.",
        "body": article.body if article else "<p>The first paragraph.</p>",
        "kind": article.kind if article else Article.Kind.NEWS,
        "section": "",
        "tags": "",
        "lead_image": "",
        "original_language": article.original_language if article else "",
        "source_headline": "",
        "source_dek": "",
        "source_body": "",
        "published_at_0": "",
        "published_at_1": "",
        **management("bylines", 0, 0),
        **management("interview", 0, 0),
        **management("exchanges", 0, 0),
        **management("corrections", 0, 0),
    }
    if article is not None:
        data["loaded_version"] = str(article.version)
        if article.published_at:
            local = timezone.localtime(article.published_at)
            data["published_at_0"] = local.strftime("%Y-%m-%d")
            data["published_at_1"] = local.strftime("%H:%M:%S")
    data.update(overrides)
    return data


def stale_translation_in_review():
    from articles import translation

    article = InterviewArticleFactory(
        status=Article.Status.TRANSLATION_REVIEW,
        original_language="ar",
        source_headline="عنوان",
        exchange_count=2,
        byline_count=2,
    )
    translation.record_review(article, by=None)
    article.source_headline = "عنوان جديد"
    article.save()
    return article
