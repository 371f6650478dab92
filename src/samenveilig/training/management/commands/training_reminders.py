"""``manage.py training_reminders``: renewal reminders for certificates that expire within a month.

Run it daily from cron; it is idempotent (one reminder per certificate, so per expiry date), so
running it more often, twice at once or again after a failure never sends a reminder twice.
``--enqueue`` hands the work to the task worker.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samenveilig.training import notifications, tasks


class Command(BaseCommand):
    help = "E-mail a renewal reminder for every training certificate that expires within a month."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="Run in the background task worker."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            tasks.send_renewal_reminders.enqueue()
            self.stdout.write("Reminder task enqueued.")
            return
        sent = notifications.send_renewal_reminders()
        self.stdout.write(f"Reminders sent: {sent}")
