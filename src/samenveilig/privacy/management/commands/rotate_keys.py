"""``manage.py rotate_keys``: after prepending a new key to ``FIELD_ENCRYPTION_KEYS`` and/or
``FLAG_HMAC_KEYS`` (and restarting), re-encrypt and re-hash everything under the newest keys.
``--check`` changes nothing and exits 1 while anything still needs an old key. See docs/privacy.md.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from samenveilig.core import audit
from samenveilig.privacy.keys import rotate_keys


class Command(BaseCommand):
    help = "Re-encrypt and re-hash stored data under the newest keys (key rotation)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Only report what still needs an old key."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = rotate_keys(check=options["check"])
        for label, count in sorted(report.rotated.items()):
            self.stdout.write(f"rotated {label}: {count}")
        for label, count in sorted(report.pending.items()):
            self.stdout.write(f"still under an old key {label}: {count}")
        if not options["check"]:
            with transaction.atomic():
                audit.record(
                    actor=None,
                    action="privacy.keys_rotated",
                    details={"rotated": report.rotated, "pending": report.pending},
                )
        if report.pending:
            if options["check"]:
                raise CommandError("Some data still needs an old key: keep it listed for now.")
            self.stdout.write("Keep the old key listed until the rows above are gone.")
        else:
            self.stdout.write("Everything is under the newest keys.")
