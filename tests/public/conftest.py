"""Fixtures of the public site's tests."""

import pytest

from tests.factories import ArticleFactory


@pytest.fixture
def story():
    """A published story, for the page cache tests."""
    return ArticleFactory(published=True, headline="Bakeries reopen in Douma")
