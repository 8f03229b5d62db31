"""Tags: every tag has a readable, unique ASCII slug, so every page that links one renders.

The slug comes from the pre_save receiver connected in articles/apps.py; tags saved before it
were re-slugged by migration 0005_ascii_tag_slugs.
"""

import re

import pytest
from taggit.models import Tag

from tests.articles.test_migrations import at_latest_afterwards, migrate_to  # noqa: F401
from tests.factories import ArticleFactory

TAG_LINK = re.compile(r'href="(/tags/[^"]*/)"')


pytestmark = pytest.mark.usefixtures("no_page_cache")


@pytest.mark.django_db
def test_a_story_tagged_in_arabic_punctuation_and_latin_links_each_tag_to_a_working_page(client):
    article = ArticleFactory(published=True, tags=["تعليم", "!!!", "Raqqa"])
    page = client.get(article.get_absolute_url())
    assert page.status_code == 200
    links = TAG_LINK.findall(page.content.decode())
    assert sorted(links) == ["/tags/raqqa/", "/tags/tag/", "/tags/tlym/"]
    for link in links:
        tag_page = client.get(link)
        assert tag_page.status_code == 200, link
        assert article.headline in tag_page.content.decode(), link
        slug = link.removeprefix("/tags/").strip("/")
        for kind in ("rss", "atom"):
            feed = client.get(f"/feeds/tags/{slug}.{kind}")
            assert feed.status_code == 200, (slug, kind)
            assert article.headline in feed.content.decode()


@pytest.mark.django_db
def test_tags_get_readable_ascii_slugs_with_a_fallback_and_no_duplicates():
    names = ["تعليم", "!!!", "???", "Raqqa", "التعليم في الرقة"]
    slugs = [Tag.objects.create(name=name).slug for name in names]
    assert slugs == ["tlym", "tag", "tag-2", "raqqa", "ltlym-fy-lrqh"]


@pytest.mark.django_db
def test_a_tag_whose_transliteration_is_taken_gets_the_next_free_slug():
    Tag.objects.create(name="tlym")
    assert Tag.objects.create(name="تعليم").slug == "tlym-2"


@pytest.mark.django_db
def test_taggits_retry_after_a_slug_clash_keeps_slugs_unique_and_ascii():
    ArticleFactory(tags=["Raqqa"])
    # "Raqqa!" is another name with the same slug: taggit's first save clashes, and its retry
    # ("raqqa_1") is already an ASCII slug, so it is kept.
    ArticleFactory(tags=["Raqqa!"])
    assert sorted(Tag.objects.values_list("slug", flat=True)) == ["raqqa", "raqqa_1"]


@pytest.mark.django_db
def test_a_unicode_or_empty_slug_typed_in_by_hand_is_replaced_but_an_ascii_one_is_kept():
    tag = Tag.objects.create(name="تعليم", slug="custom-education")
    assert tag.slug == "custom-education"
    tag.slug = "تعليم"
    tag.save()
    assert tag.slug == "tlym"
    tag.slug = ""
    tag.save()
    tag.refresh_from_db()
    assert tag.slug == "tlym"


@pytest.mark.django_db
def test_a_long_name_in_another_script_gets_a_slug_within_the_column():
    tag = Tag.objects.create(name="ت" * 100)
    assert 0 < len(tag.slug) <= 100
    assert tag.slug.isascii()


def test_migration_gives_existing_tags_ascii_slugs(at_latest_afterwards):  # noqa: F811
    apps = migrate_to([("articles", "0004_article_translation_is_stale")])
    OldTag = apps.get_model("taggit", "Tag")
    OldTag.objects.create(name="tlym", slug="tlym")
    OldTag.objects.create(name="تعليم", slug="تعليم")
    OldTag.objects.create(name="!!!", slug="")
    OldTag.objects.create(name="Raqqa", slug="raqqa")
    OldTag.objects.create(name="Raqqa!", slug="raqqa_1")
    apps = migrate_to([("articles", "0005_ascii_tag_slugs")])
    NewTag = apps.get_model("taggit", "Tag")
    assert dict(NewTag.objects.values_list("name", "slug")) == {
        "tlym": "tlym",
        "تعليم": "tlym-2",
        "!!!": "tag",
        "Raqqa": "raqqa",
        "Raqqa!": "raqqa_1",
    }
