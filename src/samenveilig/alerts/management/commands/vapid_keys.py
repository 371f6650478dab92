"""Generate the VAPID key pair for Web Push (ALR-4).

    manage.py vapid_keys            # writes var/vapid.json (owner-only), prints the public key
    manage.py vapid_keys --print    # prints VAPID_PRIVATE_KEY=… / VAPID_PUBLIC_KEY=… lines instead
    manage.py vapid_keys --force    # replaces an existing var/vapid.json

Replacing the keys invalidates every browser subscription made with the old public key: browsers
must subscribe again. The environment (VAPID_PRIVATE_KEY / VAPID_PUBLIC_KEY) wins over the file.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from samenveilig.alerts.vapid import generate, key_file, write_key_file


class Command(BaseCommand):
    help = "Generate VAPID keys for Web Push into var/vapid.json, or print them as env lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--print",
            action="store_true",
            dest="print_only",
            help="Print VAPID_PRIVATE_KEY=… and VAPID_PUBLIC_KEY=… lines; write no file.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Overwrite an existing key file (existing browser subscriptions stop working).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        keys = generate()
        if options["print_only"]:
            self.stdout.write(f"VAPID_PRIVATE_KEY={keys.private_key}")
            self.stdout.write(f"VAPID_PUBLIC_KEY={keys.public_key}")
            return
        path = key_file()
        if path.exists() and not options["force"]:
            raise CommandError(
                f"{path} exists. Replacing it breaks every browser's push subscription; "
                "run again with --force if that is what you want."
            )
        write_key_file(keys, path)
        self.stdout.write(f"Wrote {path} (readable by this user only).")
        self.stdout.write(f"Public key (applicationServerKey): {keys.public_key}")
        if settings.VAPID_PRIVATE_KEY or settings.VAPID_PUBLIC_KEY:
            self.stderr.write(
                "Note: VAPID_PRIVATE_KEY / VAPID_PUBLIC_KEY are set in the environment and take "
                "precedence over the file."
            )
