"""``manage.py verify_handover FILE.zip``: check a hand-over package's integrity (INV-8)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from samenveilig.investigations.handover import verify_package


class Command(BaseCommand):
    help = "Recompute every SHA-256 of a hand-over package and check the manifest's signature."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file")

    def handle(self, *args: object, **options: object) -> None:
        path = Path(str(options["file"]))
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        problems = verify_package(path.read_bytes())
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problem(s): the package is not intact")
        self.stdout.write("OK: every hash matches and the manifest is signed")
