"""Manage Open311 API keys (REP-12).

    manage.py open311_key create --name "Gemeente Voorbeeldstad MOR" --municipality GM9001
    manage.py open311_key list
    manage.py open311_key revoke PREFIX

``create`` prints the key once; only its SHA-256 is stored.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from samenveilig.areas.models import Area, AreaLevel
from samenveilig.reports.apikeys import api_key_create, api_key_revoke
from samenveilig.reports.models import Open311ApiKey


class Command(BaseCommand):
    help = "Create, list and revoke Open311 API keys."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a key and print it once.")
        create.add_argument("--name", required=True, help="Who uses the key (client system).")
        create.add_argument(
            "--municipality", required=True, help="CBS code of the municipality, e.g. GM9001."
        )
        sub.add_parser("list", help="List keys (prefix, name, municipality, state).")
        revoke = sub.add_parser("revoke", help="Revoke the key with this prefix.")
        revoke.add_argument("prefix", help="The first eight characters of the key.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options["name"], options["municipality"])
        elif action == "list":
            self._list()
        else:
            self._revoke(options["prefix"])

    def _create(self, name: str, code: str) -> None:
        municipality = Area.objects.filter(
            level=AreaLevel.MUNICIPALITY, code=code.strip().upper()
        ).first()
        if municipality is None:
            raise CommandError(_("There is no municipality with code %(code)s.") % {"code": code})
        if not name.strip():
            raise CommandError(_("Give the key a name."))
        issued = api_key_create(name=name, municipality=municipality, created_by=None)
        self.stdout.write(
            _("Key for %(name)s (%(municipality)s), shown only this once:")
            % {"name": issued.record.name, "municipality": municipality.code}
        )
        self.stdout.write(issued.key)

    def _list(self) -> None:
        keys = Open311ApiKey.objects.select_related("municipality").order_by("created_at", "id")
        if not keys:
            self.stdout.write(_("No keys."))
            return
        for key in keys:
            state = _("active") if key.is_active else _("revoked")
            used = key.last_used_at.isoformat(timespec="seconds") if key.last_used_at else "-"
            self.stdout.write(
                f"{key.key_prefix}  {key.municipality.code:<8}  {state:<8}  "
                f"{key.created_at:%Y-%m-%d}  {used}  {key.name}"
            )

    def _revoke(self, prefix: str) -> None:
        count = api_key_revoke(prefix=prefix.strip())
        if count == 0:
            raise CommandError(_("No active key has prefix %(prefix)s.") % {"prefix": prefix})
        self.stdout.write(_("Revoked %(count)d key(s).") % {"count": count})
