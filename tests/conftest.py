"""Shared fixtures: a user for each role, and clients logged in as them."""

import pytest

from articles.roles import EDITOR, REPORTER, TRANSLATOR
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of a test go to a folder of its own and vanish with it."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reporter(db):
    return UserFactory(username="reporter", role=REPORTER)


@pytest.fixture
def translator(db):
    return UserFactory(username="translator", role=TRANSLATOR)


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", role=EDITOR)


@pytest.fixture
def reporter_client(client, reporter):
    client.force_login(reporter)
    return client


@pytest.fixture
def translator_client(client, translator):
    client.force_login(translator)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client
