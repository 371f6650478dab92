"""Load the demo town Voorbeeldstad into an empty database (PLT-8)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from samenveilig.core import demo

NOT_DEMO = "The demo data can only be loaded in demo mode: set SAMENVEILIG_DEMO=1."


def require_demo_mode() -> None:
    if not getattr(settings, "DEMO_MODE", False):
        raise CommandError(NOT_DEMO)


class Command(BaseCommand):
    help = (
        "Load the synthetic demo town Voorbeeldstad (areas, addresses, people, communities). "
        "Only in demo mode, and only into a database without users."
    )

    def handle(self, *args: object, **options: object) -> None:
        require_demo_mode()
        from samenveilig.accounts.models import User

        if User.objects.exists():
            self.stdout.write("database not empty, skipping the demo town")
            return
        started = time.monotonic()
        verbose = int(options.get("verbosity", 1)) > 1
        progress = (lambda line: self.stdout.write(f"  {line}")) if verbose else None
        town = demo.load_demo(progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo town {demo.CITY} loaded in {time.monotonic() - started:.1f} s: "
                f"{len(town.areas)} areas, {len(town.addresses)} addresses, "
                f"{len(town.users) + len(town.members) + len(town.residents)} users, "
                f"{len(town.communities)} communities, {len(town.reports)} reports."
            )
        )
