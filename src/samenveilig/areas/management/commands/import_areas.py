from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from samenveilig.areas.management.commands._import_output import progress_printer, report_result
from samenveilig.areas.models import Address
from samenveilig.areas.services import (
    ImportFileError,
    import_areas,
    resolve_address_neighbourhoods,
)


class Command(BaseCommand):
    help = (
        "Import gemeenten, wijken and buurten from a GeoJSON FeatureCollection in the shape of "
        "the CBS wijk- en buurtkaart (WGS 84). Importing again updates areas in place."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="GeoJSON file (EPSG:4326 longitude/latitude)")
        parser.add_argument(
            "--skip-addresses",
            action="store_true",
            help="Do not resolve the stored addresses to the (new) buurt boundaries afterwards.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = import_areas(
                path_or_file=options["file"], progress=progress_printer(self, _("features"))
            )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        report_result(self, result, unit=_("feature"))
        if result.imported and not options["skip_addresses"] and Address.objects.exists():
            changed = resolve_address_neighbourhoods()
            self.stdout.write(
                _("Addresses resolved again: %(count)d changed neighbourhood.") % {"count": changed}
            )
