"""``manage.py activities_daily``: weekly series topped up eight weeks ahead, tasks that
reached their start with fewer people than needed marked as not started (claimants told), and
reminders to claimants of tasks starting within a day. Idempotent: run it hourly from cron (or
at least daily); ``--enqueue`` hands the work to the task worker."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samenveilig.activities import jobs, tasks


class Command(BaseCommand):
    help = "Top up weekly tasks, mark under-staffed tasks as not started and send reminders."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="Run in the background task worker."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            tasks.run_daily.enqueue()
            self.stdout.write("Task enqueued.")
            return
        result = jobs.run_daily()
        self.stdout.write(
            f"Occurrences made: {result.occurrences}; not started: {result.not_started}; "
            f"reminders sent: {result.reminders}"
        )
