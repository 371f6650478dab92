"""``manage.py activities_team_health``: the weekly drift check (TSK-4). Every active
community whose activity is falling or whose coordinator is alone is signalled once per ISO
week to its coordinators and the municipality's liaison, with the figures. Safe to rerun."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samenveilig.activities import health, tasks


class Command(BaseCommand):
    help = "Signal drifting communities to their coordinators and the municipality's liaison."

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
