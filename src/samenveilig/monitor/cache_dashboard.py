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
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300
VERSION_KEY = "monitor:dashboard:version"
PREFIX = "monitor:dashboard"


def current_version() -> int:
    try:
        return _current_version()
    except Exception:  # noqa: BLE001 - cache unreachable: ``cached`` then computes afresh
        logger.warning("monitor dashboard cache: could not read the version", exc_info=True)
        return 0


def _current_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # A fresh cache (or an evicted key): start a new series so that no old entry whose key
        # used an earlier number can be read again.
        version = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return int(version)


def bump_version() -> None:
    """Make every cached dashboard stale (cheap: one increment). Called on report and survey
    writes: a cache that cannot be reached must not make those writes fail, so the error is
    logged and the entries age out within ``CACHE_SECONDS``."""
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no version yet: the next read starts one
            _current_version()
    except Exception:  # noqa: BLE001 - e.g. Redis down; the write itself must go on
        logger.warning("monitor dashboard cache: could not bump the version", exc_info=True)


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
    """The value under ``key``, computed (and stored for ``CACHE_SECONDS``) when missing. A cache
    that cannot be reached only costs speed: the value is computed and served."""
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001 - e.g. Redis down
        logger.warning("monitor dashboard cache: could not read", exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout=CACHE_SECONDS)
        except Exception:  # noqa: BLE001
            logger.warning("monitor dashboard cache: could not store", exc_info=True)
    return value


def with_scope(dashboard: Any, scope: Any, key: str) -> Any:
    """The cached figures with this request's scope object (same ids, fresh model instances)
    and the key they were found under."""
    return dataclasses.replace(dashboard, scope=scope, cache_key=key)
