"""The keyed hash (HMAC-SHA256) that flags are matched by (FLG-2).

Keys come from ``settings.FLAG_HMAC_KEYS``, newest first, like ``FIELD_ENCRYPTION_KEYS`` for
MultiFernet: new flags are hashed with the first key; matching tries every listed key, so flags
keep matching while a rotation is under way. Rotation: prepend a new key, run
``manage.py flags_rekey`` (re-hashes every flag with the newest key), then drop the old key.

The message is ``"<kind>:<normalised identifier>"``, so the same characters as a plate and as a
person pseudonym never collide. Without the key a hash cannot be turned back into a plate by
trying all of them (there are only a few million Dutch plates): that is why it is an HMAC and not a
plain hash, and why the key lives outside the database.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MIN_KEY_LENGTH = 32
_KEY_ID_MESSAGE = b"samenveilig.flags.key-id"


def _configured() -> tuple[str, ...]:
    return tuple(getattr(settings, "FLAG_HMAC_KEYS", None) or ())


@lru_cache(maxsize=4)
def _keys(configured: tuple[str, ...]) -> tuple[bytes, ...]:
    if not configured:
        raise ImproperlyConfigured(
            "FLAG_HMAC_KEYS must be set (comma-separated secrets, newest first) to use flags."
        )
    for key in configured:
        if len(key) < MIN_KEY_LENGTH:
            raise ImproperlyConfigured(
                f"Every FLAG_HMAC_KEYS entry must be at least {MIN_KEY_LENGTH} characters long."
            )
    return tuple(key.encode() for key in configured)


def keys() -> tuple[bytes, ...]:
    """Every configured key, newest first. Raises ``ImproperlyConfigured`` when there is none."""
    return _keys(_configured())


def key_id(key: bytes) -> str:
    """A short name for a key, stored with each flag so the re-key command and operators can see
    which key a hash was made with. It reveals nothing about the key."""
    return hmac.new(key, _KEY_ID_MESSAGE, hashlib.sha256).hexdigest()[:16]


def newest_key_id() -> str:
    return key_id(keys()[0])


def identifier_hash(kind: str, normalised: str, *, key: bytes | None = None) -> str:
    """The hex HMAC of a normalised identifier under ``key`` (the newest key by default)."""
    key = key if key is not None else keys()[0]
    message = f"{kind}:{normalised}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def candidate_hashes(kind: str, normalised: str) -> list[str]:
    """The identifier's hash under every configured key: what a stored flag may carry."""
    return [identifier_hash(kind, normalised, key=key) for key in keys()]
