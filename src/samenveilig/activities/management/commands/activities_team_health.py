"""``manage.py activities_team_health``: the weekly drift check (TSK-4). Every active
community whose activity is falling, with few active members or whose coordinator is alone is
signalled at most once per ISO week to its coordinators and the municipality's liaison, with the
figures and what to do; a quiet community (nothing at all for six weeks) once per quiet stretch.
The rules are in ``activities/health.py``. Safe to rerun: a rerun in the same week sends nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samenveilig.activities import health, tasks


class Command(BaseCommand):
    help = (
        "Signal drifting or quiet communities to their coordinators and the municipality's liaison."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="Run in the background task worker."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            tasks.check_team_health.enqueue()
            self.stdout.write("Task enqueued.")
            return
        self.stdout.write(f"Communities signalled: {health.check_drift()}")
