"""``manage.py privacy_doc``: write the retention table of ``samenveilig.privacy.retention`` into
docs/privacy.md (between its markers), or ``--check`` that it is up to date (exit code 1 if not)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samenveilig.privacy.doc import DOC_PATH, doc_is_current, write_doc


class Command(BaseCommand):
    help = "Render the retention table into docs/privacy.md."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Only check; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            if not doc_is_current():
                raise CommandError(f"{DOC_PATH} is out of date: run manage.py privacy_doc")
            self.stdout.write("docs/privacy.md is up to date.")
            return
        write_doc()
        self.stdout.write(f"Wrote {DOC_PATH}")
