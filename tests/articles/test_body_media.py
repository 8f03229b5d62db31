"""Pictures from the library and embeds inside a story's body: stored as clean references, placed
only by someone who may see the picture, rendered to readers as renditions and as links that load
a player on request, and refused or stripped when hostile."""

import pytest
from django.urls import reverse

from articles import body_media, changes
from articles.models import Article
from articles.sanitize import sanitize_html
from tests.conftest import login_as
from tests.factories import ArticleFactory, ImageFactory, UserFactory
from tests.helpers import edit, queries_to_render
from tests.newsroom.test_headers import policy_of

pytestmark = pytest.mark.django_db


# Stored clean -------------------------------------------------------------------------------


def test_a_library_picture_is_stored_as_its_number_and_alt_text_only():
    stored = sanitize_html(
        '<p>Before.</p><img src="https://evil.example/x.png" onerror="alert(1)" '
        'style="width:9999px" data-image="12" alt="  A bakery queue  " title="t">'
    )
    assert stored == '<p>Before.</p><img data-image="12" alt="A bakery queue">'


@pytest.mark.parametrize(
    "hostile",
    [
        '<img src="https://tracker.example/pixel.gif" alt="A pixel">',  # not from the library
        '<img data-image="12">',  # no alt text
        '<img data-image="12" alt="   ">',
        '<img data-image="javascript:alert(1)" alt="x">',
        '<img data-image="12 onerror=alert(1)" alt="x">',
    ],
)
def test_a_picture_that_is_not_a_library_reference_with_alt_text_is_not_kept(hostile):
    assert "<img" not in sanitize_html(f"<p>Text.</p>{hostile}")


def test_an_embed_is_stored_as_provider_id_and_its_clean_address():
    stored = sanitize_html(
        '<figure data-embed="vimeo" data-embed-id="666" class="x" onclick="alert(1)">'
        '<a href="https://youtu.be/dQw4w9WgXcQ?si=tracker&amp;t=42">watch</a>'
        "<script>alert(1)</script><iframe src=https://evil.example></iframe></figure>"
    )
    # The provider and id come from the address, not from what the attributes claimed.
    assert stored == (
        '<figure data-embed="youtube" data-embed-id="dQw4w9WgXcQ">'
        '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">'
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ</a></figure>"
    )
    assert sanitize_html(stored) == stored  # stable under another save


def test_an_embed_from_a_provider_outside_the_allow_list_stays_a_plain_link():
    stored = sanitize_html(
        '<figure data-embed="youtube" data-embed-id="dQw4w9WgXcQ">'
        '<a href="https://evil.example/player">x</a></figure>'
    )
    assert "data-embed" not in stored
    assert 'href="https://evil.example/player"' in stored


def test_an_embed_with_a_script_address_is_dropped():
    stored = sanitize_html(
        '<figure data-embed="youtube"><a href="javascript:alert(1)">x</a></figure><p>After.</p>'
    )
    assert "javascript" not in stored
    assert "data-embed" not in stored
    assert stored.endswith("<p>After.</p>")


@pytest.mark.parametrize(
    ("url", "provider", "item"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=x", "youtube", "dQw4w9WgXcQ"),
        ("https://m.youtube.com/shorts/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "vimeo", "76979871"),
        ("https://soundcloud.com/some-band/a-song", "soundcloud", "some-band/a-song"),
        ("https://twitter.com/someone/status/1234567890", "x", "1234567890"),
        ("https://x.com/someone/status/1234567890?s=20", "x", "1234567890"),
    ],
)
def test_the_allowed_providers_are_recognised(url, provider, item):
    embed = body_media.embed_for(url)
    assert (embed.provider.key, embed.item) == (provider, item)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=short",
        "https://evil.example/watch?v=dQw4w9WgXcQ",
        "javascript:alert(1)//youtu.be/dQw4w9WgXcQ",
        "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "https://soundcloud.com/only-a-user",
        "https://x.com/someone",
    ],
)
def test_other_addresses_are_not_embeds(url):
    assert body_media.embed_for(url) is None


# Who may place a picture ----------------------------------------------------------------------


def test_a_reporter_cannot_place_another_reporters_unpublished_picture_by_its_number(reporter):
    other = UserFactory(role="Reporter")
    theirs = ImageFactory(uploaded_by=other)
    ArticleFactory(created_by=other, lead_image=theirs)  # on their draft
    article = ArticleFactory(created_by=reporter, body="<p>Mine.</p>")
    with pytest.raises(changes.ChangeRefused, match=f"#{theirs.pk}"):
        edit(article, by=reporter, body=f'<p>Mine.</p><img data-image="{theirs.pk}" alt="x">')
    article.refresh_from_db()
    assert article.body == "<p>Mine.</p>"


def test_a_reporter_places_their_own_picture_and_a_published_one(reporter):
    own = ImageFactory(uploaded_by=reporter)
    published = ImageFactory()
    ArticleFactory(published=True, lead_image=published)
    article = ArticleFactory(created_by=reporter)
    body = (
        f'<p>Text.</p><img data-image="{own.pk}" alt="Mine">'
        f'<img data-image="{published.pk}" alt="Theirs, published">'
    )
    saved = edit(article, by=reporter, body=body)
    assert body_media.picture_ids(saved.body) == [own.pk, published.pk]


def test_a_picture_already_in_the_story_does_not_stop_a_reporter_editing_it(reporter, editor):
    hidden = ImageFactory()
    article = ArticleFactory(created_by=reporter)
    edit(article, by=editor, body=f'<p>Text.</p><img data-image="{hidden.pk}" alt="By the desk">')
    article.refresh_from_db()
    saved = edit(
        article,
        by=reporter,
        body=f'<p>Text, longer.</p><img data-image="{hidden.pk}" alt="By the desk">',
    )
    assert saved.body.startswith("<p>Text, longer.</p>")


# What readers get -----------------------------------------------------------------------------


def story_with_pictures(count: int) -> Article:
    images = [ImageFactory() for _ in range(count)]
    body = "<p>Intro.</p>" + "".join(
        f'<img data-image="{image.pk}" alt="Picture {n}">' for n, image in enumerate(images)
    )
    return ArticleFactory(published=True, body=body)


def test_readers_get_body_pictures_as_renditions_with_the_stored_alt_text(client):
    article = story_with_pictures(1)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<picture>" in html
    assert 'type="image/webp"' in html
    assert 'alt="Picture 0"' in html
    assert "data-image" not in html
    assert "/media/images/" not in html  # never the uploaded original
    assert "Children walk past the reopened school." in html  # the library's caption


@pytest.mark.usefixtures("no_page_cache")
def test_body_pictures_cost_one_query_however_many_and_none_without(client):
    plain = ArticleFactory(published=True)
    one, five = story_with_pictures(1), story_with_pictures(5)
    client.get(plain.get_absolute_url())  # the site's version is made once (one query), not counted
    without = queries_to_render(client, plain.get_absolute_url())
    assert queries_to_render(client, one.get_absolute_url()) == without + 1
    assert queries_to_render(client, five.get_absolute_url()) == without + 1


def test_a_deleted_library_picture_leaves_no_hole_in_the_page(client):
    article = story_with_pictures(1)
    article_image = body_media.picture_ids(article.body)[0]
    from articles.models import Image

    Image.objects.filter(pk=article_image).delete()
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<picture>" not in html
    assert "Intro." in html


def test_an_embed_is_a_link_until_the_reader_asks_and_the_page_allows_no_third_party_frame(
    client,
):
    article = ArticleFactory(
        published=True,
        body=sanitize_html(
            '<p>Watch.</p><figure data-embed="x"><a href="https://vimeo.com/76979871">v</a>'
            "</figure>"
        ),
    )
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert '<a class="embed__link" href="https://vimeo.com/76979871"' in html
    assert 'data-embed-player="/embed/vimeo/76979871/"' in html
    assert "<iframe" not in html
    assert "player.vimeo.com" not in html
    assert "/static/js/embeds.js" in html
    policy = policy_of(response)
    assert "frame-src" not in policy
    assert policy["default-src"] == ["'self'"]


def test_a_page_without_embeds_loads_no_script(client):
    article = ArticleFactory(published=True)
    assert "embeds.js" not in client.get(article.get_absolute_url()).content.decode()


def test_the_player_page_alone_allows_the_providers_frame_and_only_this_site_frames_it(client):
    response = client.get(reverse("articles:embed", args=["youtube", "dQw4w9WgXcQ"]))
    assert response.status_code == 200
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in response.content.decode()
    policy = policy_of(response)
    assert policy["frame-src"] == ["https://www.youtube-nocookie.com"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize(
    ("provider", "item"),
    [("youtube", "short"), ("evil", "123"), ("vimeo", "12a"), ("soundcloud", "a/b/c")],
)
def test_the_player_page_answers_404_for_anything_but_an_allowed_item(client, provider, item):
    response = client.get(f"/embed/{provider}/{item}/")
    assert response.status_code == 404


def test_feeds_leave_body_pictures_out_and_give_embeds_as_links(client):
    image = ImageFactory()
    ArticleFactory(
        published=True,
        body=f'<p>Intro.</p><img data-image="{image.pk}" alt="A picture">'
        '<figure data-embed="vimeo" data-embed-id="76979871">'
        '<a href="https://vimeo.com/76979871">https://vimeo.com/76979871</a></figure>',
    )
    feed = client.get(reverse("articles:feed-rss")).content.decode()
    assert "data-image" not in feed
    assert "76979871" in feed


# The desk's pickers ---------------------------------------------------------------------------


def test_the_picture_picker_offers_a_reporter_only_pictures_they_may_use(client, reporter):
    own = ImageFactory(uploaded_by=reporter, alt_text="My bakery picture")
    other = ImageFactory(uploaded_by=UserFactory(role="Reporter"), alt_text="Their bakery")
    login_as(client, reporter)
    found = client.get(reverse("admin:articles_article_picture_choices"), {"q": "bakery"}).json()
    assert [i["id"] for i in found["images"]] == [own.pk]
    assert client.get(reverse("admin:articles_article_picture", args=[other.pk])).status_code == 404
    shown = client.get(reverse("admin:articles_article_picture", args=[own.pk]))
    assert shown.status_code == 302


def test_the_pickers_are_for_signed_in_staff_only(client):
    for url in (
        reverse("admin:articles_article_picture_choices"),
        reverse("admin:articles_article_embed") + "?url=https://vimeo.com/1",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_the_embed_checker_names_the_allowed_providers(client, reporter):
    login_as(client, reporter)
    url = reverse("admin:articles_article_embed")
    good = client.get(url, {"url": "https://youtu.be/dQw4w9WgXcQ"}).json()
    assert good["embed"] == {
        "provider": "youtube",
        "item": "dQw4w9WgXcQ",
        "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    }
    bad = client.get(url, {"url": "https://evil.example/x"}).json()
    assert bad["embed"] is None
    assert "YouTube, Vimeo, SoundCloud, X" in bad["error"]
