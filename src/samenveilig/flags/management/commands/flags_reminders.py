"""``manage.py flags_reminders``: e-mail owners whose flags end within ``FLAG_REMINDER_DAYS``,
and hand the flags of owners who left or lost their role to a colleague (or tell the admins once;
see ``flags.orphans``).

Run it daily from cron; it is idempotent (one reminder per flag and end date), so running it
more often, twice at once or again after a failure never sends a reminder twice.
``--enqueue`` hands the work to the task worker.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samenveilig.flags import notifications, orphans, tasks


class Command(BaseCommand):
    help = "E-mail a reminder for every flag that ends soon; hand over flags of departed owners."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="Run in the background task worker."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            tasks.hand_over_orphaned_flags.enqueue()
            tasks.send_expiry_reminders.enqueue()
            self.stdout.write("Reminder and hand-over tasks enqueued.")
            return
        handed = orphans.hand_over_orphaned_flags()
        sent = notifications.send_expiry_reminders()
        self.stdout.write(
            f"Flags handed over: {handed['transferred']}; reported to admins: "
            f"{handed['reported']}; reminders sent: {sent}"
        )
