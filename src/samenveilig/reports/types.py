"""The contract between the ways a report comes in (web form, REST API, Open311, alert tips) and
``services.submission.report_submit``: one input shape, one error shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from samenveilig.areas.models import Address, Area
from samenveilig.reports.models import Category


@dataclass
class ReportInput:
    """A report as the caller parsed it. The service validates everything again (authoritative).

    Location: either ``lat``/``lon`` or ``address`` (resolved from postcode + huisnummer); the
    service resolves the buurt and refuses a point outside every buurt. A caller that already
    resolved the buurt of exactly this point or address (with ``areas.spatial`` or the address's
    own buurt) passes it as ``neighbourhood`` so it is not looked up twice.
    ``persons``/``vehicles`` are dicts with the field names of ``PersonDescription`` and
    ``VehicleDescription`` (without report/position).
    """

    category: Category
    description: str
    observed_at: datetime
    lat: float | None = None
    lon: float | None = None
    address: Address | None = None
    location_text: str = ""
    happening_now: bool = False
    called_112: bool = False
    share_identity: bool = False
    persons: list[dict[str, Any]] = field(default_factory=list)
    vehicles: list[dict[str, Any]] = field(default_factory=list)
    photos: list[UploadedFile] = field(default_factory=list)
    related_alert_id: int | None = None
    neighbourhood: Area | None = None


class ReportValidationError(Exception):
    """Bad input for a report: translated messages per field ("__all__" for the whole report).

    Person and vehicle fields are keyed like ``persons.0.behaviour`` so a form or an API can put
    the message next to the right field.
    """

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class ReportActionError(Exception):
    """A lifecycle action that is not possible now (wrong status or role): a translated message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
