"""``manage.py verify_evidence``: recompute the SHA-256 of every stored evidence item (INV-4)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from samenveilig.investigations.models import Case
from samenveilig.investigations.services import verify_case


class Command(BaseCommand):
    help = "Recompute the hash of every evidence item from its encrypted stored copy."

    def handle(self, *args: object, **options: object) -> None:
        problems = []
        cases = 0
        for case in Case.objects.order_by("pk").iterator():
            cases += 1
            problems += [f"{case.reference} {problem}" for problem in verify_case(case)]
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} item(s) do not verify")
        self.stdout.write(f"OK: {cases} case(s) verified")
