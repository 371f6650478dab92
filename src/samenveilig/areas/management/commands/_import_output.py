"""Output shared by the import commands: progress, summary and bad rows."""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samenveilig.areas.services import ImportResult


def progress_printer(command: BaseCommand, unit: str) -> Callable[[int], None]:
    def report(done: int) -> None:
        command.stdout.write(_("… %(done)d %(unit)s read") % {"done": done, "unit": unit})

    return report


def report_result(command: BaseCommand, result: ImportResult, *, unit: str) -> None:
    """Print the summary and every bad row; ``CommandError`` when nothing could be imported."""
    command.stdout.write(
        _("Created: %(created)d, updated: %(updated)d, bad rows: %(bad)d.")
        % {"created": result.created, "updated": result.updated, "bad": len(result.errors)}
    )
    if result.parents_created:
        command.stdout.write(
            ngettext(
                "Created %(count)d district or municipality without a boundary (named by its "
                "neighbourhoods; import its own feature to add the boundary).",
                "Created %(count)d districts or municipalities without a boundary (named by their "
                "neighbourhoods; import their own features to add the boundary).",
                result.parents_created,
            )
            % {"count": result.parents_created}
        )
    if result.unresolved:
        command.stdout.write(
            command.style.WARNING(
                ngettext(
                    "%(count)d address lies outside every known neighbourhood.",
                    "%(count)d addresses lie outside every known neighbourhood.",
                    result.unresolved,
                )
                % {"count": result.unresolved}
            )
        )
    if result.errors:
        heading = _("Bad rows (%(unit)s: reason):") % {"unit": unit}
        command.stdout.write(command.style.WARNING(heading))
        for line, reason in result.errors:
            command.stdout.write(f"  {line}: {reason}")
    if result.errors and not result.imported:
        raise CommandError(_("Nothing was imported: every row has a problem (see above)."))
    command.stdout.write(command.style.SUCCESS(_("Import finished.")))
