"""The story file format as a help page in the admin: linked from Paste copy, shown to everyone on
the desk, to nobody else, and rendered from docs/story-format.md without running anything in it."""

from pathlib import Path

import pytest
from django.urls import reverse

from articles.admin.desk import STORY_FORMAT, render_document

pytestmark = pytest.mark.django_db

PASTE = reverse("admin:articles_article_paste")
HELP = reverse("admin:articles_article_story_format")
REPO = Path(__file__).resolve().parents[3]


def test_the_paste_copy_page_links_to_the_story_file_format(reporter_client):
    html = reporter_client.get(PASTE).content.decode()

    assert f'<a href="{HELP}">The story file format</a>' in html


@pytest.mark.parametrize("role", ["reporter", "translator", "editor"])
def test_everyone_on_the_desk_reads_the_story_file_format(request, role):
    client = request.getfixturevalue(f"{role}_client")

    response = client.get(HELP)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>The story file format</h1>" in html
    assert "<code>--- original ---</code>" in html
    assert "<th>key</th>" in html  # the header keys' table is a table


@pytest.mark.parametrize(("role", "led_back"), [("reporter", True), ("translator", False)])
def test_only_those_who_may_paste_are_led_back_to_paste_copy(request, role, led_back):
    client = request.getfixturevalue(f"{role}_client")

    html = client.get(HELP).content.decode()

    assert (f'<a href="{PASTE}">Paste copy</a>' in html) is led_back


def test_a_reader_who_is_not_signed_in_is_sent_to_the_sign_in_page(client):
    response = client.get(HELP)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_signed_in_account_that_is_not_staff_is_sent_to_the_sign_in_page(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=False))

    response = client.get(HELP)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_page_shows_the_document_in_the_repository():
    assert STORY_FORMAT.read_bytes() == (REPO / "docs" / "story-format.md").read_bytes()


def test_html_in_the_document_is_shown_as_text_and_runs_nothing():
    html = render_document(
        "<script>alert(1)</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        "[a link](javascript:alert(1)) and `<b>code</b>`\n"
    )

    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert "<code>&lt;b&gt;code&lt;/b&gt;</code>" in html
