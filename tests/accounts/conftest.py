"""Fixtures of the accounts tests."""

import pytest


@pytest.fixture
def account_limit(settings) -> int:
    """Wrong passwords for one account, from anywhere, before it is paused (the default)."""
    settings.AXES_ACCOUNT_FAILURE_LIMIT = 20
    return 20
