"""Background task of the privacy app: the daily retention purge."""

from __future__ import annotations

from django_tasks import task

from samenveilig.privacy.purge import run_purge


@task()
def purge_due() -> dict[str, int]:
    return run_purge().counts
