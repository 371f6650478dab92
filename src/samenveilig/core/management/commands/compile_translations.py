"""Compile locale/*/LC_MESSAGES/*.po into .mo with Babel, so no GNU gettext is needed."""

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the project's .po translation files to .mo (pure Python, via Babel)."

    def handle(self, *args: object, **options: object) -> None:
        compiled = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                with po_path.open("rb") as po_file:
                    catalog = read_po(po_file, locale=po_path.parent.parent.name)
                self._write_atomically(mo_path, catalog)
                compiled += 1
        self.stdout.write(f"Translations compiled: {compiled} file(s) updated.")

    @staticmethod
    def _write_atomically(mo_path: Path, catalog: object) -> None:
        # CI runs the SQLite and PostgreSQL suites side by side, and each starts with this
        # command: a reader must never see a half-written .mo, so write aside and rename.
        handle, tmp_name = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        try:
            with os.fdopen(handle, "wb") as mo_file:
                write_mo(mo_file, catalog, use_fuzzy=False)
            os.replace(tmp_name, mo_path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
