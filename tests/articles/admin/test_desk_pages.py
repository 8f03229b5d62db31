"""The desk's own pages: the staff preview, styles from desk.css only, one stale warning, the
slug's help and the two-factor links."""

import pytest
from django.urls import reverse

from articles.roles import TRANSLATOR
from tests.articles.admin.forms import ADD, CHANGELIST, change_url, stale_translation_in_review
from tests.conftest import password_only_login
from tests.factories import ArticleFactory, ImageFactory, UserFactory

pytestmark = pytest.mark.django_db


# Staff preview


def test_staff_preview_a_draft_as_readers_will_see_it_but_the_public_cannot(
    client, reporter, translator
):
    draft = ArticleFactory(headline="Not out yet", created_by=reporter)
    preview = reverse("admin:articles_article_preview", args=[draft.pk])
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(reporter)
    response = client.get(preview)
    assert response.status_code == 200
    assert "Not out yet" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    client.force_login(translator)
    assert client.get(preview).status_code == 404


# Desk pages: styles from desk.css only, one stale warning, two-factor links


def test_desk_pages_carry_no_style_attributes_which_the_policy_would_block(editor_client):
    article = stale_translation_in_review()
    image = ImageFactory()
    urls = [
        change_url(article),
        reverse("admin:articles_article_translation", args=[article.pk]),
        CHANGELIST,
        reverse("admin:articles_image_changelist"),
        reverse("admin:articles_image_change", args=[image.pk]),
    ]
    pages = {url: editor_client.get(url) for url in urls}
    assert {url: page.status_code for url, page in pages.items()} == dict.fromkeys(urls, 200)
    assert {url: " style=" in page.content.decode() for url, page in pages.items()} == (
        dict.fromkeys(urls, False)
    )
    assert 'class="vIntegerField position-input"' in pages[urls[0]].content.decode()
    assert 'class="admin-thumbnail"' in pages[urls[3]].content.decode()
    for url in urls:  # the classes above are defined there
        assert "admin-extra/desk.css" in pages[url].content.decode(), url


def test_the_translation_review_page_warns_of_stale_segments_once(editor_client):
    article = stale_translation_in_review()
    html = editor_client.get(
        reverse("admin:articles_article_translation", args=[article.pk])
    ).content.decode()
    assert html.count('class="errornote"') == 1
    assert "changed in the original since the translation was reviewed" in html
    assert 'data-transition="pass_translation"' in html  # the workflow panel is still there
    # The change page, which has no table of segments, keeps its own warning with a link.
    change = editor_client.get(change_url(article)).content.decode()
    assert change.count('class="errornote"') == 1
    assert "Open the translation review" in change


def test_the_slug_help_names_its_placeholder_instead_of_hiding_it(editor_client, client):
    html = editor_client.get(ADD).content.decode()
    assert "/articles/&lt;slug&gt;/" in html
    # Read-only for a translator: the same help under the plain slug.
    client.force_login(UserFactory(username="samir", role=TRANSLATOR))
    article = stale_translation_in_review()
    html = client.get(change_url(article)).content.decode()
    assert 'name="slug"' not in html
    assert "/articles/&lt;slug&gt;/" in html


def test_user_tools_link_to_two_factor_setup_and_recovery_codes(client, editor, reporter):
    client.force_login(editor)
    html = client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("two_factor:setup")}"' in html
    assert f'href="{reverse("two_factor:recovery-codes")}"' in html
    assert "Newsroom desk" in html
    assert "Django administration" not in html
    # A reporter without a second factor (not required of them) is offered to set one up.
    client.logout()
    password_only_login(client, reporter)
    html = client.get(reverse("admin:index")).content.decode()
    assert "Set up two-factor sign-in" in html
    assert f'href="{reverse("two_factor:recovery-codes")}"' not in html
