"""Readiness for load balancers and process supervisors (issue 12, "Scale-out").

``/health`` answers "is this process alive and can it reach the database"; ``/ready`` answers
"should this process get traffic": the database answers, every migration of this code is
applied (a new release started before ``migrate`` must not serve), the shared cache and the
task queue answer when Redis is configured, and the translations are compiled. A failing check
gives 503 with the names of the failed checks (no connection strings, no personal data).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# Once every migration is applied it stays so for this process (new code means a new process):
# the migration graph is only loaded until the first success.
_migrations_applied = False


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def unapplied_migrations() -> int:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _migrations() -> None:
    global _migrations_applied
    if _migrations_applied:
        return
    pending = unapplied_migrations()
    if pending:
        raise RuntimeError(f"{pending} migration(s) not applied")
    _migrations_applied = True


def _cache() -> None:
    if "locmem" in settings.CACHES["default"]["BACKEND"].lower():
        return  # a per-process cache cannot be down
    cache.set("readiness:probe", "1", timeout=10)
    if cache.get("readiness:probe") != "1":
        raise RuntimeError("the cache did not return what was stored")


def _task_queue() -> None:
    queues = getattr(settings, "RQ_QUEUES", None)
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_rq.RQBackend" or not queues:
        return  # the database queue is checked with the database
    import redis

    redis.Redis.from_url(queues["default"]["URL"], socket_timeout=2).ping()


def _translations() -> None:
    for locale_dir in settings.LOCALE_PATHS:
        for po in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
            if not po.with_suffix(".mo").exists():
                raise RuntimeError("translations not compiled (manage.py compile_translations)")


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "migrations": _migrations,
    "cache": _cache,
    "task_queue": _task_queue,
    "translations": _translations,
}


def failed_checks() -> dict[str, str]:
    """Name → short reason of every failing check; empty when ready."""
    failed: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            # The exception type and our own messages only: a driver's message may name hosts.
            failed[name] = str(error) if isinstance(error, RuntimeError) else type(error).__name__
    return failed


@never_cache
@require_GET
def ready(request: HttpRequest) -> HttpResponse:
    failed = failed_checks()
    body = {"status": "not ready", "failed": failed} if failed else {"status": "ready"}
    return HttpResponse(
        json.dumps(body), status=503 if failed else 200, content_type="application/json"
    )
