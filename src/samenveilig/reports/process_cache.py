"""Small read-mostly lookups kept per process for a second (categories offered per municipality).

Each web process keeps a value for at most ``ttl`` seconds, so a change made by another process
(the admin in another worker, a management command) is seen within that time. A change made in
*this* process through the ORM (``post_save``/``post_delete`` of one of the watched models, or a
``flush``) drops every entry at once and again when its transaction commits; until a lookup runs
outside any transaction nothing is kept, so a change that is later rolled back is never served
from the cache either. Writes that bypass the signals (``QuerySet.update``, raw SQL) must call
``invalidate()``.

Values are shared between threads: callers get them as they are and must not change them
(``get`` returns whatever ``compute`` built; return copies from there when callers may change
them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_migrate, post_save

T = TypeVar("T")
MAX_ENTRIES = 1000  # per cache; more distinct keys than this start it afresh


class ProcessCache(Generic[T]):
    instances: list[ProcessCache[Any]] = []

    @classmethod
    def invalidate_all(cls) -> None:
        """Empty every cache of this process (benchmarks measure a request after a refresh)."""
        for instance in cls.instances:
            instance.invalidate()

    def __init__(self, name: str, *, models: tuple[type[Model], ...], ttl: float = 1.0) -> None:
        ProcessCache.instances.append(self)
        self.name = name
        self.ttl = ttl
        self._entries: dict[Hashable, tuple[float, T]] = {}
        self._lock = threading.Lock()
        self._changed_here = False
        for model in models:
            post_save.connect(self._changed, sender=model, dispatch_uid=f"{name}.saved.{model}")
            post_delete.connect(self._changed, sender=model, dispatch_uid=f"{name}.deleted.{model}")
        post_migrate.connect(self._changed, dispatch_uid=f"{name}.migrated")

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        now = time.monotonic()
        if self._changed_here:
            if connection.in_atomic_block:
                return compute()  # the change may still roll back: keep nothing
            self._changed_here = False
            self.invalidate()
        entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self.ttl:
            return entry[1]
        value = compute()
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries = {}
            self._entries[key] = (now, value)
        return value

    def invalidate(self) -> None:
        with self._lock:
            self._entries = {}

    def _changed(self, **_kwargs: Any) -> None:
        self._changed_here = True
        self.invalidate()
        if connection.in_atomic_block:
            transaction.on_commit(self.invalidate)
