"""``manage.py monitor_refresh``: recount the monthly report tallies of the impact dashboard.

Run it from cron: every few minutes for the recent months (the default: the running month and
the two before it, where reports are still being acknowledged, answered and closed), and once a
night with ``--all`` (every month since the first report), so a late change to an old report is
counted by the next morning. ``--forget`` drops the tallies: the dashboard then counts from the
reports themselves (correct, but slow for a large municipality).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samenveilig.monitor import services_dashboard


class Command(BaseCommand):
    help = "Recount the impact dashboard's monthly report tallies."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--months",
            type=int,
            default=services_dashboard.DEFAULT_RECENT_MONTHS,
            help="How many recent months to recount, the running one included (default 3).",
        )
        parser.add_argument(
            "--all", action="store_true", help="Recount every month since the first report."
        )
        parser.add_argument(
            "--forget", action="store_true", help="Drop all tallies instead of recounting."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["forget"]:
            services_dashboard.forget_tallies()
            self.stdout.write("Tallies dropped.")
            return
        if options["months"] < 1:
            raise CommandError("--months must be at least 1.")
        if options["all"]:
            months = services_dashboard.months_with_reports()
        else:
            months = services_dashboard.recent_months(options["months"])
        start = time.perf_counter()
        rows = services_dashboard.refresh_tallies(months=months)
        self.stdout.write(
            f"Recounted {len(months)} month(s): {rows} rows in {time.perf_counter() - start:.1f} s."
        )
