"""Background tasks of the tasks app: thin wrappers around ``jobs`` and ``health``."""

from __future__ import annotations

from django_tasks import task

from samenveilig.activities import health, jobs


@task()
def run_daily() -> dict[str, int]:
    result = jobs.run_daily()
    return {
        "occurrences": result.occurrences,
        "not_started": result.not_started,
        "reminders": result.reminders,
    }


@task()
def check_team_health() -> int:
    return health.check_drift()
