"""Helpers for the key rotation tests: three generations of keys and a check that every stored
token reads with the newest key alone."""

from __future__ import annotations

from cryptography.fernet import Fernet

from samenveilig.core.crypto import decrypt_text
from samenveilig.privacy.keys import encrypted_fields, is_current

NEW_KEY = Fernet.generate_key().decode()
NEW_HMAC = "new-hmac-secret-" + "y" * 40


def prepend_new_keys(settings) -> tuple[str, str]:
    """Step 1 of a rotation; returns the old keys (those the fixtures wrote with)."""
    old_key, old_hmac = settings.FIELD_ENCRYPTION_KEYS[0], settings.FLAG_HMAC_KEYS[0]
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, old_key]
    settings.FLAG_HMAC_KEYS = [NEW_HMAC, old_hmac]
    return old_key, old_hmac


def drop_old_keys(settings) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    settings.FLAG_HMAC_KEYS = [NEW_HMAC]


def all_tokens() -> list[tuple[str, str]]:
    from allauth.mfa.models import Authenticator

    tokens = []
    for model, names in encrypted_fields():
        for row in model._default_manager.values(*names):
            tokens += [(model._meta.label_lower, v) for v in row.values() if v]
    for data in Authenticator.objects.values_list("data", flat=True):
        tokens += [("mfa", data[k]) for k in ("secret", "seed") if k in data]
    return tokens


def assert_all_readable_with_newest_only() -> None:
    tokens = all_tokens()
    assert tokens
    for label, token in tokens:
        assert is_current(token), label
        decrypt_text(token)
