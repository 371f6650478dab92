"""``manage.py purge``: the retention job (PLT-6). Run it daily from cron or a scheduler.

Each data type with a retention period registers its purge function in ``PURGE_JOBS``; the
command runs them in order and prints what each removed. Every removal is audited by the job.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

# (what, dotted path of a function returning the number of records purged)
PURGE_JOBS: tuple[tuple[str, str], ...] = (
    ("expired alert descriptions", "samenveilig.alerts.services.purge_expired_alerts"),
    ("expired flags and old flag lookups", "samenveilig.flags.services.purge_flags"),
    ("investigation cases not handed over", "samenveilig.investigations.services.purge_cases"),
)


class Command(BaseCommand):
    help = "Remove personal data whose retention period has passed (alerts, …)."

    def handle(self, *args: object, **options: object) -> None:
        for label, path in PURGE_JOBS:
            job: Callable[[], int] = import_string(path)
            count = job()
            self.stdout.write(f"{label}: {count} purged")
