"""Open311 API keys (REP-12): created by admins, scoped to one municipality, shown once.

A key is 43 random URL-safe characters. Only its SHA-256 is stored, with its first eight
characters as an indexed prefix so verification finds the candidate rows without scanning; the
hashes are compared in constant time. A lost key cannot be recovered, only revoked and replaced.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from samenveilig.accounts.models import User
from samenveilig.areas.models import Area, AreaLevel
from samenveilig.reports.models import Open311ApiKey

PREFIX_LENGTH = 8
# Longer than any key we issue, so a huge form value is refused before hashing.
MAX_KEY_LENGTH = 128


@dataclass(frozen=True)
class IssuedKey:
    """A freshly created key: ``key`` is the only copy of the secret and must be shown once."""

    record: Open311ApiKey
    key: str


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _new_key() -> str:
    """A random URL-safe key that does not start with "-": operators type its prefix on command
    lines (``open311_key revoke PREFIX``), where a leading dash reads as an option."""
    while True:
        key = secrets.token_urlsafe(32)
        if not key.startswith("-"):
            return key


def api_key_create(*, name: str, municipality: Area, created_by: User | None) -> IssuedKey:
    """Create an active key for the municipality; returns the secret once."""
    if municipality.level != AreaLevel.MUNICIPALITY:
        raise ValueError("An Open311 key belongs to a municipality (gemeente).")
    name = name.strip()
    if not name:
        raise ValueError("A key needs a client name.")
    key = _new_key()
    record = Open311ApiKey.objects.create(
        name=name[:120],
        key_prefix=key[:PREFIX_LENGTH],
        key_hash=_hash(key),
        municipality=municipality,
        created_by=created_by,
    )
    return IssuedKey(record=record, key=key)


def api_key_fill_new(record: Open311ApiKey) -> str:
    """Give an unsaved key row (e.g. from the admin form) a fresh secret; returns the secret."""
    key = _new_key()
    record.key_prefix = key[:PREFIX_LENGTH]
    record.key_hash = _hash(key)
    return key


def api_key_verify(key: str | None) -> Open311ApiKey | None:
    """The active key row matching ``key``, or ``None`` (missing, unknown or revoked key)."""
    if not key or len(key) > MAX_KEY_LENGTH or len(key) < PREFIX_LENGTH:
        return None
    digest = _hash(key)
    match: Open311ApiKey | None = None
    candidates = Open311ApiKey.objects.select_related("municipality").filter(
        key_prefix=key[:PREFIX_LENGTH]
    )
    for candidate in candidates:
        # compare_digest on every candidate: the time taken does not depend on where they differ.
        if hmac.compare_digest(candidate.key_hash, digest) and candidate.is_active:
            match = candidate
    if match is not None:
        now = timezone.now()
        Open311ApiKey.objects.filter(pk=match.pk).update(last_used_at=now)
        match.last_used_at = now
    return match


def api_key_revoke(*, prefix: str) -> int:
    """Revoke the active keys with this prefix; returns how many were revoked."""
    with transaction.atomic():
        return Open311ApiKey.objects.filter(key_prefix=prefix, is_active=True).update(
            is_active=False
        )


# --- rate limit per key ---------------------------------------------------------------------------

KEY_RATE_WINDOW_SECONDS = 3600
DEFAULT_KEY_RATE_LIMIT = 1000  # POSTs per key per hour; setting OPEN311_RATE_LIMIT_PER_KEY


def api_key_count_request(key: Open311ApiKey) -> int | None:
    """Count one POST of this key in its fixed one-hour window (in the Django cache, so all web
    processes share it where the cache is Redis). Returns ``None`` while within the limit, else
    the seconds until the window ends (for ``Retry-After``). Every attempt counts, also one that
    is refused later for bad input: the limit protects the service, not the reports."""
    limit = int(getattr(settings, "OPEN311_RATE_LIMIT_PER_KEY", DEFAULT_KEY_RATE_LIMIT))
    now = time.time()
    bucket = int(now // KEY_RATE_WINDOW_SECONDS)
    cache_key = f"open311:rate:key:{key.pk}:{bucket}"
    cache.add(cache_key, 0, timeout=KEY_RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=KEY_RATE_WINDOW_SECONDS)
        count = 1
    if count <= limit:
        return None
    return max(1, int((bucket + 1) * KEY_RATE_WINDOW_SECONDS - now))
