"""How Samen Veilig's reports map onto Open311 GeoReport v2 fields.

- Service attributes: the signalement fields (REP-3) of one person and one vehicle, as
  ``attribute[person_behaviour]``, ``attribute[vehicle_licence_plate]``, … Open311 attributes are
  flat, so a request carries at most one person and one vehicle; the web form and the REST API
  take more.
- Public request fields: what ``GET requests`` shows to anyone. The spec makes this endpoint
  public, and PRODUCT §2 forbids leaking reporters or what they wrote, so a request shows its
  category as its description, the buurt instead of the street address, a rounded location and the
  outcome instead of the partner's free-text note
  (docs/decisions/0012-open311-public-request-fields.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samenveilig.api.open311_xml import iso
from samenveilig.reports.models import (
    Category,
    Outcome,
    Partner,
    PersonDescription,
    Report,
    ReportStatus,
    VehicleDescription,
)

# ~110 m north–south and ~70 m east–west in the Netherlands: a street, not a house.
PUBLIC_COORDINATE_DECIMALS = 3


@dataclass(frozen=True)
class Attribute:
    code: str  # Open311 attribute code: "person_behaviour"
    field: str  # model field name: "behaviour"
    datatype: str  # string / number / text
    hint: Any = ""  # datatype_description (lazy translation)

    def description(self, model: type) -> str:
        return str(model._meta.get_field(self.field).verbose_name)

    def max_length(self, model: type) -> int | None:
        return model._meta.get_field(self.field).max_length


_PERSON_FIELDS: tuple[tuple[str, str, Any], ...] = (
    (
        "behaviour",
        "text",
        gettext_lazy(
            "Required when you describe a person: what did the person do? "
            "Write what you saw, not what you suspect."
        ),
    ),
    ("sex", "string", ""),
    ("age_min", "number", gettext_lazy("Estimated age, lower bound (0–110).")),
    ("age_max", "number", gettext_lazy("Estimated age, upper bound (0–110).")),
    ("height_min_cm", "number", gettext_lazy("Estimated height in cm, lower bound (50–250).")),
    ("height_max_cm", "number", gettext_lazy("Estimated height in cm, upper bound (50–250).")),
    ("build", "string", ""),
    (
        "skin_colour",
        "string",
        gettext_lazy(
            "Optional. Only together with at least two other distinctive details "
            "(hair, top, bottom, shoes, features)."
        ),
    ),
    ("hair_colour", "string", ""),
    ("hair_style", "string", ""),
    ("beard", "string", ""),
    ("glasses", "string", ""),
    ("top", "string", ""),
    ("bottom", "string", ""),
    ("shoes", "string", ""),
    ("headwear", "string", ""),
    ("features", "string", ""),
    ("direction", "string", ""),
    ("transport", "string", ""),
)
_VEHICLE_FIELDS: tuple[tuple[str, str, Any], ...] = (
    ("kind", "string", ""),
    ("make", "string", ""),
    ("model", "string", ""),
    ("colour", "string", ""),
    ("lettering", "string", ""),
    (
        "licence_plate",
        "string",
        gettext_lazy("Dutch licence plate; write unknown characters as * or ?."),
    ),
    ("direction", "string", ""),
)

PERSON_ATTRIBUTES = tuple(Attribute(f"person_{f}", f, t, h) for f, t, h in _PERSON_FIELDS)
VEHICLE_ATTRIBUTES = tuple(Attribute(f"vehicle_{f}", f, t, h) for f, t, h in _VEHICLE_FIELDS)


def attributes_for(category: Category) -> list[tuple[Attribute, type]]:
    """The attributes a category asks for, each with the model it fills."""
    result: list[tuple[Attribute, type]] = []
    if category.asks_person:
        result += [(attribute, PersonDescription) for attribute in PERSON_ATTRIBUTES]
    if category.asks_vehicle:
        result += [(attribute, VehicleDescription) for attribute in VEHICLE_ATTRIBUTES]
    return result


def service_entry(category: Category, language: str) -> dict[str, Any]:
    """One item of ``GET services``."""
    return {
        "service_code": category.code,
        "service_name": category.name(language),
        "description": category.description(language),
        "metadata": bool(category.asks_person or category.asks_vehicle),
        "type": "realtime",
        "keywords": category.group,
        "group": category.group,
    }


def service_definition(category: Category) -> dict[str, Any]:
    """``GET services/{code}``: the attributes of the category's signalement fields."""
    attributes = []
    for order, (attribute, model) in enumerate(attributes_for(category), start=1):
        hint = str(attribute.hint) if attribute.hint else None
        attributes.append(
            {
                "variable": True,
                "code": attribute.code,
                "datatype": attribute.datatype,
                # Open311 "required" means every request must carry it; behaviour is only
                # required for a request that describes a person (see datatype_description).
                "required": False,
                "datatype_description": hint,
                "order": order,
                "description": attribute.description(model),
                "values": [],
            }
        )
    return {"service_code": category.code, "attributes": attributes}


class AttributeValueError(ValueError):
    """A bad ``attribute[...]`` value: ``param`` names the form field for the error message."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


def _group(
    values: dict[str, str], attributes: Iterable[Attribute], model: type
) -> dict[str, Any] | None:
    found: dict[str, Any] = {}
    for attribute in attributes:
        raw = values.get(attribute.code)
        if raw is None or raw.strip() == "":
            continue
        raw = raw.strip()
        param = f"attribute[{attribute.code}]"
        if attribute.datatype == "number":
            if not raw.isascii() or not raw.isdigit() or len(raw) > 4:
                raise AttributeValueError(
                    param, _("%(param)s must be a whole number.") % {"param": param}
                )
            found[attribute.field] = int(raw)
        else:
            limit = attribute.max_length(model)
            if limit is not None and len(raw) > limit:
                raise AttributeValueError(
                    param,
                    _("%(param)s may be at most %(limit)s characters.")
                    % {"param": param, "limit": limit},
                )
            found[attribute.field] = raw
    return found or None


def descriptions_from_attributes(
    category: Category, values: dict[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``attribute[...]`` values → the ``persons`` and ``vehicles`` of a ``ReportInput``.

    Codes the category does not ask for are refused, so a client learns about a typo instead of
    losing the value silently.
    """
    known = {attribute.code for attribute, _model in attributes_for(category)}
    for code in values:
        if code not in known:
            raise AttributeValueError(
                f"attribute[{code}]",
                _("attribute[%(code)s] is not an attribute of service %(service)s.")
                % {"code": code[:60], "service": category.code},
            )
    persons: list[dict[str, Any]] = []
    vehicles: list[dict[str, Any]] = []
    if category.asks_person:
        person = _group(values, PERSON_ATTRIBUTES, PersonDescription)
        if person is not None:
            person.setdefault("behaviour", "")
            persons.append(person)
    if category.asks_vehicle:
        vehicle = _group(values, VEHICLE_ATTRIBUTES, VehicleDescription)
        if vehicle is not None:
            vehicles.append(vehicle)
    return persons, vehicles


def error_param(field: str) -> str:
    """A ``ReportValidationError`` key as the Open311 parameter a client sent."""
    if field.startswith("persons.") or field.startswith("vehicles."):
        parts = field.split(".")
        prefix = "person" if parts[0] == "persons" else "vehicle"
        if len(parts) >= 3:
            return f"attribute[{prefix}_{parts[2]}]"
        return f"attribute[{prefix}_…]"
    return {
        "location": "lat/long",
        "lat": "lat",
        "lon": "long",
        "address": "address_string",
        "observed_at": "requested_datetime",
        "category": "service_code",
        "photos": "media_url",
    }.get(field, field)


# --- Public GET requests -------------------------------------------------------------------------

PUBLIC_STATUSES = (
    ReportStatus.SUBMITTED,
    ReportStatus.ACKNOWLEDGED,
    ReportStatus.IN_PROGRESS,
    ReportStatus.FORWARDED,
    ReportStatus.CLOSED,
)


def open311_status(report: Report) -> str:
    return "closed" if report.status == ReportStatus.CLOSED else "open"


def status_notes(report: Report) -> str:
    """The outcome or the status in words; never the partner's free-text note."""
    if report.status == ReportStatus.CLOSED and report.outcome:
        return str(Outcome(report.outcome).label)
    return str(ReportStatus(report.status).label)


def municipality_of(report: Report) -> Any:
    district = report.neighbourhood.parent if report.neighbourhood_id else None
    return district.parent if district is not None else None


def agency_responsible(report: Report) -> str:
    partner = report.forwarded_to or report.partner
    if partner == Partner.POLICE:
        return _("Police")
    municipality = municipality_of(report)
    if municipality is None:
        return str(Partner(partner).label) if partner in Partner.values else ""
    return _("Municipality of %(name)s") % {"name": municipality.name}


def service_notice(category: Category) -> str:
    return _(
        "We aim to acknowledge this report within %(ack)s hours "
        "and to close it within %(close)s days."
    ) % {"ack": category.acknowledge_within_hours, "close": category.close_within_days}


def public_address(report: Report) -> str:
    """The buurt and municipality: where, to a street, without anyone's front door."""
    neighbourhood = report.neighbourhood
    municipality = municipality_of(report)
    parts = [neighbourhood.name] if neighbourhood is not None else []
    if municipality is not None:
        parts.append(municipality.name)
    return ", ".join(parts)


def public_zipcode(report: Report) -> str:
    """The four digits of the postcode (PC4, thousands of addresses), or nothing."""
    if report.address is None:
        return ""
    return report.address.postcode[:4]


def public_request(report: Report, language: str) -> dict[str, Any]:
    """One item of ``GET requests``: the spec's fields, without personal data."""
    return {
        "service_request_id": report.reference,
        "status": open311_status(report),
        "status_notes": status_notes(report),
        "service_name": report.category.name(language),
        "service_code": report.category.code,
        "description": report.category.name(language),
        "agency_responsible": agency_responsible(report),
        "service_notice": service_notice(report.category),
        "requested_datetime": iso(report.submitted_at),
        "updated_datetime": iso(report.updated_at),
        "expected_datetime": iso(report.close_due_at),
        "address": public_address(report),
        "address_id": "",
        "zipcode": public_zipcode(report),
        "lat": round(report.lat, PUBLIC_COORDINATE_DECIMALS),
        "long": round(report.lon, PUBLIC_COORDINATE_DECIMALS),
        "media_url": "",
    }


# --- The same fields from plain rows (GET requests: up to 1,000 per page) ------------------------

# The columns ``public_requests`` reads, in this order (one query, no model instances).
PUBLIC_COLUMNS = (
    "id",
    "reference",
    "status",
    "outcome",
    "partner",
    "forwarded_to",
    "submitted_at_text",
    "updated_at_text",
    "close_due_at_text",
    "lat",
    "lon",
    "category__code",
    "category__name_nl",
    "category__name_en",
    "category__acknowledge_within_hours",
    "category__close_within_days",
    "neighbourhood__name",
    "neighbourhood__parent__parent__name",
    "address__postcode",
)


# The three timestamps come as text and are parsed with ``datetime.fromisoformat`` (C): the
# driver's own timestamp parsing is pure Python here and took a third of a 1,000-row page.
TIMESTAMP_TEXT_COLUMNS = {
    "submitted_at_text": "submitted_at",
    "updated_at_text": "updated_at",
    "close_due_at_text": "close_due_at",
}


def public_columns_queryset(queryset: Any) -> Any:
    """``queryset`` (of reports) as ``PUBLIC_COLUMNS`` tuples."""
    from django.db.models import F, TextField
    from django.db.models.functions import Cast

    texts = {
        name: Cast(F(column), output_field=TextField())
        for name, column in TIMESTAMP_TEXT_COLUMNS.items()
    }
    return queryset.annotate(**texts).values_list(*PUBLIC_COLUMNS)


def parse_timestamp_text(text: str | None) -> datetime | None:
    """A timestamp column read as text (``2026-11-28 12:00:00.5+00`` on PostgreSQL, naive UTC
    ``2026-11-28 12:00:00.5`` on SQLite) as an aware datetime."""
    if text is None:
        return None
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class PublicRequests:
    """Builds ``public_request`` items from ``PUBLIC_COLUMNS`` rows: every label and notice is
    looked up once per page instead of once per row, and dates are converted with the time zone
    read once. ``public_request(report)`` and this give the same items (tested)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.zone = timezone.get_current_timezone()
        self.status_notes = {status: str(label) for status, label in ReportStatus.choices}
        self.closed_notes = {outcome: str(label) for outcome, label in Outcome.choices}
        self.partner_labels = {partner: str(label) for partner, label in Partner.choices}
        self.police = _("Police")
        self.agencies: dict[str, str] = {}
        self.notices: dict[tuple[int, int], str] = {}

    def _iso(self, text: str | None) -> str | None:
        value = parse_timestamp_text(text)
        if value is None:
            return None
        return value.astimezone(self.zone).isoformat(timespec="seconds")

    def _agency(self, partner: str, municipality: str | None) -> str:
        if partner == Partner.POLICE:
            return self.police
        if municipality is None:
            return self.partner_labels.get(partner, "")
        agency = self.agencies.get(municipality)
        if agency is None:
            agency = _("Municipality of %(name)s") % {"name": municipality}
            self.agencies[municipality] = agency
        return agency

    def _notice(self, ack: int, close: int) -> str:
        notice = self.notices.get((ack, close))
        if notice is None:
            notice = _(
                "We aim to acknowledge this report within %(ack)s hours "
                "and to close it within %(close)s days."
            ) % {"ack": ack, "close": close}
            self.notices[(ack, close)] = notice
        return notice

    def item(self, row: tuple[Any, ...]) -> dict[str, Any]:
        (
            _pk,
            reference,
            status,
            outcome,
            partner,
            forwarded_to,
            submitted_at,
            updated_at,
            close_due_at,
            lat,
            lon,
            code,
            name_nl,
            name_en,
            ack_hours,
            close_days,
            buurt,
            municipality,
            postcode,
        ) = row
        if status == ReportStatus.CLOSED and outcome:
            notes = self.closed_notes.get(outcome, outcome)
        else:
            notes = self.status_notes.get(status, status)
        name = name_en if self.language == "en" else name_nl
        address = buurt if municipality is None else f"{buurt}, {municipality}"
        return {
            "service_request_id": reference,
            "status": "closed" if status == ReportStatus.CLOSED else "open",
            "status_notes": notes,
            "service_name": name,
            "service_code": code,
            "description": name,
            "agency_responsible": self._agency(forwarded_to or partner, municipality),
            "service_notice": self._notice(ack_hours, close_days),
            "requested_datetime": self._iso(submitted_at),
            "updated_datetime": self._iso(updated_at),
            "expected_datetime": self._iso(close_due_at),
            "address": address,
            "address_id": "",
            "zipcode": postcode[:4] if postcode else "",
            "lat": round(lat, PUBLIC_COORDINATE_DECIMALS),
            "long": round(lon, PUBLIC_COORDINATE_DECIMALS),
            "media_url": "",
        }
