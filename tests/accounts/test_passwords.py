"""Passwords: Argon2 first, and Django's validators refuse weak ones."""

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.factories import UserFactory

# Passwords -----------------------------------------------------------------------------------


def test_production_hashes_passwords_with_argon2_first():
    from newsroom import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert not any("MD5" in name or "Unsalted" in name for name in production.PASSWORD_HASHERS)


def test_a_new_password_is_stored_as_argon2id(settings):
    from newsroom import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    encoded = make_password("a long newsroom passphrase")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert encoded.startswith("argon2$argon2id$")


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["short1", "password123", "12345678901234", "editor-newsroom"])
def test_weak_passwords_are_refused_by_djangos_validators(password):
    user = UserFactory.build(username="editor-newsroom", email="editor@newsroom.test")
    with pytest.raises(ValidationError):
        validate_password(password, user)
