"""A fixed-window request counter in the shared cache (Redis in production, so the count holds
across processes), for actions that allauth, the report service and the Open311 key limit do not
already cover — anonymous survey answers. Keys hold a hash of the address, never the address.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: the proxy in front sets it (gunicorn --forwarded-allow-ips), so a client
    # cannot dodge the limit with a forged X-Forwarded-For header.
    return request.META.get("REMOTE_ADDR") or "unknown"


def consume(scope: str, identity: str, *, limit: int, window_seconds: int = 3600) -> bool:
    """Count one attempt; False once more than ``limit`` happened in the current window."""
    bucket = int(time.time() // window_seconds)
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{digest}:{bucket}"
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count <= limit


def too_many(request: HttpRequest, message: str) -> HttpResponse:
    """The page that says what happened and when to try again (status 429)."""
    return render(request, "429.html", {"message": message}, status=429)
