"""``manage.py flags_rekey``: after rotating ``FLAG_HMAC_KEYS`` (a new key prepended), hash every
flag with the newest key and re-encrypt its identifier with the newest ``FIELD_ENCRYPTION_KEYS``
key. Flags keep matching during the rotation (matching tries every listed key); once this has
run, the old keys can be dropped from both lists. Safe to run again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from samenveilig.flags import services


class Command(BaseCommand):
    help = "Re-hash and re-encrypt every flag with the newest keys (after a key rotation)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.flags_rekey()
        self.stdout.write(f"Flags re-keyed: {count}")
