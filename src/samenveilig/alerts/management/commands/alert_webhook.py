"""Partner systems that receive a municipality's alerts as signed webhooks (ALR-4).

    manage.py alert_webhook add --municipality GM9001 --name "Cameratoezicht" \
        --url https://partner.example/hooks/samenveilig [--kind wanted_person --kind vehicle]
    manage.py alert_webhook list [--municipality GM9001]
    manage.py alert_webhook disable ID
    manage.py alert_webhook rotate ID

``add`` and ``rotate`` print the signing secret once; it is stored encrypted
(FIELD_ENCRYPTION_KEYS). Without ``--kind`` the endpoint receives every kind.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samenveilig.alerts.channels.webhook import (
    IssuedEndpoint,
    endpoint_create,
    endpoint_disable,
    endpoint_rotate_secret,
)
from samenveilig.alerts.models import WebhookEndpoint
from samenveilig.areas.models import Area, AreaLevel
from samenveilig.communities.models import AlertKind


def _municipality(code: str) -> Area:
    area = Area.objects.filter(level=AreaLevel.MUNICIPALITY, code=code.strip().upper()).first()
    if area is None:
        raise CommandError(f"There is no municipality with code {code}.")
    return area


class Command(BaseCommand):
    help = "Add, list, disable webhook endpoints for alerts, or rotate their signing secret."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Register an endpoint and print its secret once.")
        add.add_argument("--municipality", required=True, help="CBS code, e.g. GM9001.")
        add.add_argument("--name", required=True, help="The partner system's name.")
        add.add_argument("--url", required=True, help="The https address to POST to.")
        add.add_argument(
            "--kind",
            action="append",
            default=[],
            choices=AlertKind.values,
            help="An alert kind to send (repeat for several); none means all kinds.",
        )
        listing = sub.add_parser("list", help="List endpoints.")
        listing.add_argument("--municipality", help="Only this municipality (CBS code).")
        disable = sub.add_parser("disable", help="Stop sending to an endpoint.")
        disable.add_argument("id", type=int)
        rotate = sub.add_parser("rotate", help="Give an endpoint a new secret, printed once.")
        rotate.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "add":
            try:
                issued = endpoint_create(
                    actor=None,
                    name=options["name"],
                    url=options["url"],
                    municipality=_municipality(options["municipality"]),
                    kinds=options["kind"],
                )
            except ValueError as error:
                raise CommandError(str(error)) from error
            self._print_secret(issued)
            if issued.endpoint.url.startswith("http://"):
                self.stderr.write("Warning: the address is not https; use http only for testing.")
        elif action == "list":
            self._list(options.get("municipality"))
        elif action == "disable":
            endpoint = self._endpoint(options["id"])
            endpoint_disable(actor=None, endpoint=endpoint)
            self.stdout.write(f"Endpoint {endpoint.pk} ({endpoint.name}) disabled.")
        else:
            self._print_secret(
                endpoint_rotate_secret(actor=None, endpoint=self._endpoint(options["id"]))
            )

    def _endpoint(self, pk: int) -> WebhookEndpoint:
        endpoint = WebhookEndpoint.objects.filter(pk=pk).first()
        if endpoint is None:
            raise CommandError(f"There is no webhook endpoint {pk}.")
        return endpoint

    def _print_secret(self, issued: IssuedEndpoint) -> None:
        endpoint = issued.endpoint
        kinds = ", ".join(endpoint.kinds) or "all kinds"
        self.stdout.write(
            f"Endpoint {endpoint.pk}: {endpoint.name} → {endpoint.url} "
            f"({endpoint.municipality.code}; {kinds})"
        )
        self.stdout.write("Signing secret, shown only this once (give it to the partner):")
        self.stdout.write(issued.secret)

    def _list(self, code: str | None) -> None:
        endpoints = WebhookEndpoint.objects.select_related("municipality").order_by("id")
        if code:
            endpoints = endpoints.filter(municipality=_municipality(code))
        if not endpoints:
            self.stdout.write("No webhook endpoints.")
            return
        for endpoint in endpoints:
            state = "active" if endpoint.is_active else "disabled"
            kinds = ",".join(endpoint.kinds) or "*"
            self.stdout.write(
                f"{endpoint.pk:>4}  {endpoint.municipality.code:<8}  {state:<8}  {kinds:<30}  "
                f"{endpoint.name}  {endpoint.url}"
            )
