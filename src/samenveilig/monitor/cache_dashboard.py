"""A short-lived cache of computed impact dashboards (MON-3), so a page that many officers open
is not recounted on every request.

What is cached: the ``Dashboard`` figures and, for the web page, the rendered sections (charts and
tables), under a key made of

- a **version** number that every write the figures depend on bumps (``bump_version``, called
  from the signal handlers in ``signals_dashboard``): a survey response, a round opened or
  changed, a report sent or changed, an alert, an inquiry or door visit, a membership, a community
  and a tally refresh. The next request after such a write counts again.
- the **scope** (area or community and its id) and whether it is the **public** variant: the
  figures are computed from the scope alone, never from the user, and the view checks access
  *before* it looks in the cache, so a hit can only give what the same request would compute. The
  public page has its own entries: a cached non-public dashboard is never served as public.
- the **period**, the **language** (category and partner names are put in at build time) and the
  **day** (the default and running periods and "the last 30 days" depend on it).

Writes that bypass model signals (``QuerySet.update``, raw SQL) are caught by the time limit:
an entry lives at most ``CACHE_SECONDS`` (5 minutes). Redis in production (shared by the web
processes, so one bump reaches all), local memory in tests and without Redis; there each process
keeps its own entries and version, so a write made in one process reaches the pages served by
another only after those 5 minutes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

CACHE_SECONDS = 300
VERSION_KEY = "monitor:dashboard:version"
PREFIX = "monitor:dashboard"


def current_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # A fresh cache (or an evicted key): start a new series so that no old entry whose key
        # used an earlier number can be read again.
        version = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return int(version)


def bump_version() -> None:
    """Make every cached dashboard stale (cheap: one increment)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet: the next read starts one
        current_version()


def cache_key(
    scope: Any, period_key: str, *, public_only: bool, language: str, day: dt.date
) -> str:
    owner = scope.area.pk if scope.area is not None else scope.community.pk
    return ":".join(
        [
            PREFIX,
            str(current_version()),
            scope.kind,
            str(owner),
            "public" if public_only else "full",
            period_key,
            language,
            day.isoformat(),
        ]
    )


def cached(key: str, compute: Callable[[], Any]) -> Any:
    """The value under ``key``, computed (and stored for ``CACHE_SECONDS``) when missing."""
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=CACHE_SECONDS)
    return value


def with_scope(dashboard: Any, scope: Any, key: str) -> Any:
    """The cached figures with this request's scope object (same ids, fresh model instances)
    and the key they were found under."""
    return dataclasses.replace(dashboard, scope=scope, cache_key=key)
