from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from samenveilig.areas.management.commands._import_output import progress_printer, report_result
from samenveilig.areas.services import ImportFileError, import_addresses


class Command(BaseCommand):
    help = (
        "Import addresses from a BAG-shaped CSV (postcode, huisnummer, huisletter, "
        "huisnummertoevoeging, openbareruimtenaam, woonplaatsnaam, lat, lon, identificatie). "
        "Importing again updates addresses in place; each is resolved to its buurt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8, separated by , or ; or tabs")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = import_addresses(
                path_or_file=options["file"], progress=progress_printer(self, _("rows"))
            )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        report_result(self, result, unit=_("line"))
