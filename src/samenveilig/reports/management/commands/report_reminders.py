"""``manage.py report_reminders``: e-mail partners the number of their overdue reports (REP-9).

Run it from cron (e.g. every weekday morning); ``--enqueue`` hands the work to the task worker.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samenveilig.reports import notifications, tasks


class Command(BaseCommand):
    help = "E-mail every police and municipality user the number of their overdue reports."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="Run in the background task worker."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            tasks.send_overdue_reminders.enqueue()
            self.stdout.write("Reminder task enqueued.")
            return
        sent = notifications.send_overdue_reminders()
        self.stdout.write(f"Reminders sent: {sent}")
