"""``manage.py purge``: the retention job (PLT-6). It runs daily in the task worker (``--enqueue``
from cron or a systemd timer, see docs/operations.md) or directly.

The functions it runs and their order come from ``samenveilig.privacy.retention.RETENTION``;
every removal is audited by its function and the counts of the run by ``privacy.purge_run``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samenveilig.privacy import tasks
from samenveilig.privacy.purge import run_purge
from samenveilig.privacy.retention import BY_KEY


class Command(BaseCommand):
    help = "Remove personal data whose retention period has passed (see docs/privacy.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="Run in the background task worker."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            tasks.purge_due.enqueue()
            self.stdout.write("Task enqueued.")
            return
        outcome = run_purge()
        for key, count in outcome.counts.items():
            self.stdout.write(f"{BY_KEY[key].label}: {count} purged")
        self.stdout.write(f"total: {outcome.total} purged")
