"""Background tasks of the analysis app: thin wrappers around the services."""

from __future__ import annotations

from django_tasks import task

from samenveilig.analysis import services


@task()
def run_knox(run_id: int) -> str:
    run = services.knox_run_execute(run_id=run_id)
    return "" if run is None else run.status
