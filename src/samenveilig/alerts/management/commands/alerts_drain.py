"""The fan-out's safety net (ALR-3): run from cron every few minutes, and after an outage.

    manage.py alerts_drain            # enqueue what is due; the workers do the sending
    manage.py alerts_drain --inline   # send now, in this process (no worker needed)

It plans alerts whose plan never finished, cancels pending deliveries of alerts that ended, and
starts a drain for every alert and channel with due deliveries that no live worker holds. Running
it often or next to busy workers is harmless: planning is idempotent and drains take only rows
nobody has leased.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samenveilig.alerts import fanout


class Command(BaseCommand):
    help = "Re-plan stalled fan-outs and drain all due alert deliveries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--inline",
            action="store_true",
            help="Plan and send in this process instead of enqueueing tasks for the workers.",
        )
        parser.add_argument(
            "--grace",
            type=int,
            default=60,
            help="Seconds a new alert's plan task may wait in the queue before it is planned "
            "again (default 60).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        grace = timedelta(seconds=max(0, options["grace"]))
        if options["inline"]:
            result = fanout.resume(grace=grace, inline=True)
            self.stdout.write(
                f"Planned {result.planned} fan-out(s), cancelled {result.cancelled} "
                f"delivery(ies), sent or retried {result.drains} message(s)."
            )
            return
        result = fanout.resume(grace=grace)
        self.stdout.write(
            f"Planned {result.planned} fan-out(s), cancelled {result.cancelled} "
            f"delivery(ies), started {result.drains} drain(s)."
        )
