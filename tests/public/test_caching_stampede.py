"""No stampede after a change: while one request renders a page under a new site version, the
others are given the previous version's copy, or wait for the one render; never a copy of a
page that showed a story since taken away from readers."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone

from articles.models import Article
from articles.workflow import transition
from public import caching, stampede
from public.caching import (
    PREVIOUS_VERSION_KEY,
    RENDER_LOCK_KEY,
    VERSION_KEY,
    current_version,
    page_key,
    render_count,
)
from tests.factories import ArticleFactory
from tests.helpers import edit

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache(settings, monkeypatch):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    settings.PUBLIC_PAGE_COUNT_RENDERS = True
    # A request that finds the page being rendered and no previous copy waits this long.
    monkeypatch.setattr(stampede, "RENDER_WAIT_SECONDS", 0.05)
    cache.clear()


def another_request_is_rendering(url: str) -> str:
    """Take the render lock of `url` under the current version, as the winning request does."""
    version = current_version()
    key = page_key(RequestFactory().get(url), version)
    lock_key = RENDER_LOCK_KEY.format(version=version.key, digest=key.rsplit(":", 1)[1])
    assert cache.add(lock_key, 1, caching.RENDER_LOCK_SECONDS)
    return lock_key


def renders_of(client, url: str):
    """The response to `url`, and how many renders of a storable page it caused."""
    before = render_count()
    response = client.get(url)
    return response, render_count() - before


def test_after_a_publish_a_reader_gets_the_previous_home_page_while_another_renders_it(
    client, page_cache, editor
):
    ArticleFactory(published=True, headline="Bakeries reopen in Douma")
    before = client.get("/")
    newer = ArticleFactory(status=Article.Status.APPROVED, headline="Water returns to Harasta")
    transition(newer, "publish", by=editor)
    another_request_is_rendering("/")

    response, renders = renders_of(client, "/")

    assert renders == 0
    assert response.status_code == 200
    assert response.content == before.content
    assert response["ETag"] == before["ETag"]
    # A stand-in is for this moment only: the edge cache must not keep it.
    assert "X-Accel-Expires" not in response
    # Nor is it stored under the new version: once the winner is done, readers get the new page.
    cache.clear()
    assert "Water returns to Harasta" in client.get("/").content.decode()


def test_the_winner_renders_once_and_stores_the_page_for_everyone_after_it(
    client, page_cache, editor
):
    story = ArticleFactory(published=True, headline="Bakeries reopen in Douma")
    client.get("/")
    edit(story, by=editor, headline="Bakeries reopen in Douma and Harasta")

    first, first_renders = renders_of(client, "/")
    second, second_renders = renders_of(client, "/")

    assert (first_renders, second_renders) == (1, 0)
    assert "Douma and Harasta" in first.content.decode()
    assert second.content == first.content


def test_a_reader_without_a_previous_copy_gets_the_winners_page_when_it_arrives(
    client, page_cache, monkeypatch
):
    ArticleFactory(published=True)
    lock_key = another_request_is_rendering("/")
    home_key = page_key(RequestFactory().get("/"), current_version())

    def winner_finishes(seconds: float) -> None:
        cache.set(home_key, (200, b"the winner's page", [("Content-Type", "text/html")]), 60)
        cache.delete(lock_key)

    monkeypatch.setattr(caching.time, "sleep", winner_finishes)
    response, renders = renders_of(client, "/")

    assert renders == 0
    assert response.content == b"the winner's page"


def test_a_winner_that_dies_holding_the_lock_does_not_keep_readers_waiting(client, page_cache):
    story = ArticleFactory(published=True, headline="Bakeries reopen in Douma")
    another_request_is_rendering(story.get_absolute_url())

    response, renders = renders_of(client, story.get_absolute_url())

    # After waiting RENDER_WAIT_SECONDS, the reader renders the page itself.
    assert renders == 1
    assert response.status_code == 200
    assert "Bakeries reopen in Douma" in response.content.decode()


def test_the_lock_of_a_dead_winner_expires_and_the_next_reader_renders_and_stores(
    client, page_cache
):
    ArticleFactory(published=True)
    another_request_is_rendering("/")
    later = timezone.now() + timedelta(seconds=caching.RENDER_LOCK_SECONDS + 1)

    with time_machine.travel(later, tick=False):
        first, first_renders = renders_of(client, "/")
        second, second_renders = renders_of(client, "/")

    assert (first_renders, second_renders) == (1, 0)
    assert second.content == first.content


def test_a_withdrawn_story_is_never_served_from_the_previous_copy(client, page_cache, editor):
    story = ArticleFactory(published=True, headline="Bakeries reopen in Douma")
    assert "Bakeries reopen in Douma" in client.get("/").content.decode()
    assert client.get(story.get_absolute_url()).status_code == 200
    transition(story, "withdraw", by=editor, comment="Safety of a source.")
    assert cache.get(PREVIOUS_VERSION_KEY) is None
    another_request_is_rendering("/")
    another_request_is_rendering(story.get_absolute_url())

    home = client.get("/")
    page = client.get(story.get_absolute_url())

    assert home.status_code == 200
    assert "Bakeries reopen in Douma" not in home.content.decode()
    assert page.status_code == 410


def test_a_deleted_story_is_never_served_from_the_previous_copy(client, page_cache, editor):
    from articles import changes

    story = ArticleFactory(published=True, headline="Bakeries reopen in Douma")
    assert "Bakeries reopen in Douma" in client.get("/").content.decode()
    changes.delete_story(story, by=editor)
    another_request_is_rendering("/")

    assert "Bakeries reopen in Douma" not in client.get("/").content.decode()


def test_an_edit_keeps_the_previous_version_to_stand_in(client, page_cache, editor):
    story = ArticleFactory(published=True)
    client.get("/")
    version = cache.get(VERSION_KEY)
    edit(story, by=editor, headline="Bakeries reopen in Douma and Harasta")
    assert cache.get(PREVIOUS_VERSION_KEY) == version
    assert cache.get(VERSION_KEY) is None


def test_readers_arriving_together_after_a_change_agree_on_one_version(page_cache, monkeypatch):
    ArticleFactory(published=True)
    made = caching._new_version

    def another_reader_got_there_first():
        mine = made()
        cache.add(VERSION_KEY, made(), None)  # the other reader's, in the meantime
        return mine

    monkeypatch.setattr(caching, "_new_version", another_reader_got_there_first)
    agreed = current_version()
    assert agreed == cache.get(VERSION_KEY)


def test_renders_are_counted_only_when_the_benchmark_asks(client, settings, page_cache):
    settings.PUBLIC_PAGE_COUNT_RENDERS = False
    ArticleFactory(published=True)
    client.get("/")
    assert render_count() == 0


def test_a_reader_that_wins_the_lock_after_the_winner_stored_the_page_does_not_render_it_again(
    client, page_cache, monkeypatch
):
    ArticleFactory(published=True)
    home_key = page_key(RequestFactory().get("/"), current_version())
    add = cache.add

    def the_winner_was_just_done(key, *args, **kwargs):
        if key.endswith(":rendering"):
            cache.set(home_key, (200, b"the winner's page", [("Content-Type", "text/html")]), 60)
        return add(key, *args, **kwargs)

    monkeypatch.setattr(caching.cache, "add", the_winner_was_just_done)
    response, renders = renders_of(client, "/")

    assert renders == 0
    assert response.content == b"the winner's page"
