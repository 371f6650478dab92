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

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from json.encoder import encode_basestring  # type: ignore[attr-defined]
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

# The columns of a finished row (``complete_rows``), in this order.
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

# The page query reads only the report's own columns, without joins: on PostgreSQL with
# 1,000,000 reports, joining the category, buurt, wijk, gemeente and address cost 3 ms of
# planning and 8 ms for a 1,000-row page; the report table alone, 0.3 + 2.5 ms.
# ``complete_rows`` then reads the page's few categories, buurten and postcodes by primary key.
PAGE_COLUMNS = (
    *PUBLIC_COLUMNS[:11],
    "category_id",
    "neighbourhood_id",
    "address_id",
)

# The three timestamps come as text: ``LocalIsoTimes`` turns them into local ISO 8601 for less
# than a ``datetime`` per value would cost.
TIMESTAMP_TEXT_COLUMNS = {
    "submitted_at_text": "submitted_at",
    "updated_at_text": "updated_at",
    "close_due_at_text": "close_due_at",
}


def page_columns_queryset(queryset: Any) -> Any:
    """``queryset`` (of reports) as ``PAGE_COLUMNS`` tuples; ``complete_rows`` finishes them."""
    from django.db.models import F, TextField
    from django.db.models.functions import Cast

    texts = {
        name: Cast(F(column), output_field=TextField())
        for name, column in TIMESTAMP_TEXT_COLUMNS.items()
    }
    return queryset.annotate(**texts).values_list(*PAGE_COLUMNS)


def complete_rows(page: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """``PAGE_COLUMNS`` rows as ``PUBLIC_COLUMNS`` rows, in the same order: at most three more
    queries whatever the number of rows (categories; buurten with their gemeente; postcodes)."""
    from samenveilig.areas.models import Area

    if not page:
        return []
    categories = {
        pk: rest
        for pk, *rest in Category.objects.filter(id__in={row[11] for row in page}).values_list(
            "id", "code", "name_nl", "name_en", "acknowledge_within_hours", "close_within_days"
        )
    }
    buurten = {
        pk: rest
        for pk, *rest in Area.objects.filter(id__in={row[12] for row in page}).values_list(
            "id", "name", "parent__parent__name"
        )
    }
    postcodes = _postcodes({row[13] for row in page if row[13] is not None})
    return [
        (*row[:11], *categories[row[11]], *buurten[row[12]], postcodes.get(row[13])) for row in page
    ]


def _postcodes(address_ids: set[int]) -> dict[int, str]:
    """Postcode by address id. A page has up to a few hundred addresses: PostgreSQL gets them as
    one array parameter, because compiling and planning an ``IN`` list of that length (what
    ``filter(id__in=…)`` sends) took 4–7 ms, the array 2 ms."""
    from django.db import connection

    from samenveilig.areas.models import Address

    if not address_ids:
        return {}
    if connection.vendor != "postgresql":
        return dict(Address.objects.filter(id__in=address_ids).values_list("id", "postcode"))
    table = connection.ops.quote_name(Address._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, postcode FROM {table} WHERE id = ANY(%s)",  # noqa: S608 (a model's table)
            [sorted(address_ids)],
        )
        return dict(cursor.fetchall())


def parse_timestamp_text(text: str | None) -> datetime | None:
    """A timestamp column read as text (``2026-11-28 12:00:00.5+00`` on PostgreSQL, naive UTC
    ``2026-11-28 12:00:00.5`` on SQLite) as an aware datetime."""
    if text is None:
        return None
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# A UTC timestamp as the database writes it as text: the hour, ":MM:SS", an optional fraction and
# on PostgreSQL (whose session time zone Django keeps at UTC) the offset "+00".
_UTC_HOUR_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}")
_UTC_TAIL_RE = re.compile(r":[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?(?:\+00)?")
_HOUR = timedelta(hours=1)


class LocalIsoTimes:
    """Timestamp text (UTC, see ``parse_timestamp_text``) → exactly what ``open311_xml.iso``
    gives for it: local time in ``zone``, to the second, with the offset.

    ``datetime`` parsing, ``astimezone`` and ``isoformat`` cost about 3 µs a timestamp, a fifth
    of a 1,000-row page with three each. Within one UTC hour the offset of a zone is almost always
    one whole number of hours, so the local text is the hour's local text with the minutes and
    seconds copied (``_local_hour``, worked out once per zone and hour). Any other hour (a change
    of offset inside it, an offset that is not whole hours) and any text of another shape take
    the exact way.
    """

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        # "YYYY-MM-DD HH" → ``_local_hour`` of it; a page has a few hundred hours at most.
        self._hours: dict[str, tuple[str, str] | None] = {}

    def exact(self, text: str) -> str:
        value = parse_timestamp_text(text)
        assert value is not None
        return value.astimezone(self.zone).isoformat(timespec="seconds")

    def __call__(self, text: str | None) -> str | None:
        if text is None:
            return None
        hour = text[:13]
        try:
            local = self._hours[hour]
        except KeyError:
            local = _local_hour(self.zone, hour) if _UTC_HOUR_RE.fullmatch(hour) else None
            self._hours[hour] = local
        if local is None or _UTC_TAIL_RE.fullmatch(text, 13) is None:
            return self.exact(text)
        return local[0] + text[13:19] + local[1]


@lru_cache(maxsize=8192)
def _local_hour(zone: tzinfo, hour: str) -> tuple[str, str] | None:
    """The local ``YYYY-MM-DDTHH`` and the offset (``+01:00``) of every moment of the UTC hour
    ``YYYY-MM-DD HH``, or ``None`` when they are not one whole-hour offset throughout. (A fact
    of the zone's rules, not of any data: nothing to invalidate.)"""
    try:
        start = datetime(
            int(hour[0:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13]), tzinfo=UTC
        )
        first = start.astimezone(zone)
        last = (start + _HOUR - timedelta(microseconds=1)).astimezone(zone)
    except (ValueError, OverflowError):
        return None
    offset = first.utcoffset()
    if offset is None or offset != last.utcoffset() or offset % _HOUR:
        return None
    text = first.isoformat(timespec="seconds")  # 2026-11-28T13:00:00+01:00
    return text[:13], text[19:]


# The keys of a ``GET requests`` item, in the order of ``public_request``.
ITEM_KEYS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)
# The JSON of one item with the per-row values left open; what ``json.dumps`` writes with its
# default separators. The second hole takes the "status" … "service_notice" members, which depend
# only on the status, the category, the partner and the municipality and are encoded once per
# page for each combination.
_ITEM_JSON = (
    '{"service_request_id": %s, %s"requested_datetime": "%s", "updated_datetime": "%s", '
    '"expected_datetime": %s, "address": %s, "address_id": "", "zipcode": %s, "lat": %s, '
    '"long": %s, "media_url": ""}'
)
_SHARED_KEYS = ITEM_KEYS[1:8]


def _json_string(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _json_float(value: float) -> str:
    # As ``json.dumps(..., allow_nan=False)``: a coordinate is always finite.
    if not math.isfinite(value):
        raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
    return float.__repr__(value)


class PublicRequests:
    """Builds ``public_request`` items from ``PUBLIC_COLUMNS`` rows: every label and notice is
    looked up once per page instead of once per row, and dates are converted with the time zone
    read once. ``public_request(report)`` and this give the same items (tested).

    ``json_array(rows)`` writes the JSON of a whole page without building the items: the text
    ``json.dumps([self.item(row) for row in rows], ensure_ascii=False)`` would give (tested), at
    about half the cost, because the members that repeat from row to row are encoded once.
    """

    def __init__(self, language: str) -> None:
        self.language = language
        self.zone = timezone.get_current_timezone()
        self.status_notes = {status: str(label) for status, label in ReportStatus.choices}
        self.closed_notes = {outcome: str(label) for outcome, label in Outcome.choices}
        self.partner_labels = {partner: str(label) for partner, label in Partner.choices}
        self.police = _("Police")
        self.agencies: dict[str, str] = {}
        self.notices: dict[tuple[int, int], str] = {}
        self._iso = LocalIsoTimes(self.zone)
        # (status, outcome, partner, forwarded_to, code, name_nl, name_en, ack, close,
        # municipality) → the values of ``_SHARED_KEYS`` and their JSON members.
        self.shared: dict[tuple[Any, ...], tuple[tuple[str, ...], str]] = {}
        self.addresses: dict[tuple[str, str | None], tuple[str, str]] = {}

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

    def _shared(self, row: tuple[Any, ...]) -> tuple[tuple[str, ...], str]:
        """The "status" … "service_notice" values of a row and their JSON members."""
        key = (*row[2:6], *row[11:16], row[17])
        found = self.shared.get(key)
        if found is None:
            status, outcome, partner, forwarded_to, code, name_nl, name_en, ack, close, gm = key
            if status == ReportStatus.CLOSED and outcome:
                notes = self.closed_notes.get(outcome, outcome)
            else:
                notes = self.status_notes.get(status, status)
            name = name_en if self.language == "en" else name_nl
            values = (
                "closed" if status == ReportStatus.CLOSED else "open",
                notes,
                name,
                code,
                name,
                self._agency(forwarded_to or partner, gm),
                self._notice(ack, close),
            )
            members = "".join(
                f"{encode_basestring(name)}: {_json_string(value)}, "
                for name, value in zip(_SHARED_KEYS, values, strict=True)
            )
            found = self.shared[key] = (values, members)
        return found

    def _address(self, buurt: str, municipality: str | None) -> tuple[str, str]:
        """The public address (buurt, municipality) and its JSON string."""
        found = self.addresses.get((buurt, municipality))
        if found is None:
            address = buurt if municipality is None else f"{buurt}, {municipality}"
            found = self.addresses[(buurt, municipality)] = (address, encode_basestring(address))
        return found

    def item(self, row: tuple[Any, ...]) -> dict[str, Any]:
        iso = self._iso
        postcode = row[18]
        return {
            "service_request_id": row[1],
            **dict(zip(_SHARED_KEYS, self._shared(row)[0], strict=True)),
            "requested_datetime": iso(row[6]),
            "updated_datetime": iso(row[7]),
            "expected_datetime": iso(row[8]),
            "address": self._address(row[16], row[17])[0],
            "address_id": "",
            "zipcode": postcode[:4] if postcode else "",
            "lat": round(row[9], PUBLIC_COORDINATE_DECIMALS),
            "long": round(row[10], PUBLIC_COORDINATE_DECIMALS),
            "media_url": "",
        }

    def json_array(self, rows: Iterable[tuple[Any, ...]]) -> str:
        """The JSON array of the items of ``rows`` (see the class). Each row's JSON is kept
        (``_written_rows``) and reused when the same row comes again."""
        written = _written_rows(self.language, self.zone)
        parts = []
        for row in rows:
            part = written.get(row)
            if part is None:
                part = self._item_json(row)
                if len(written) >= WRITTEN_ROWS_KEPT:
                    written.clear()
                written[row] = part
            parts.append(part)
        return "[" + ", ".join(parts) + "]"

    def _item_json(self, row: tuple[Any, ...]) -> str:
        iso = self._iso
        encode = encode_basestring
        postcode = row[18]
        close_due = iso(row[8])
        return _ITEM_JSON % (
            encode(row[1]),
            self._shared(row)[1],
            # Local ISO 8601 text is digits, "-", ":", "T" and "+": nothing to escape.
            iso(row[6]),
            iso(row[7]),
            "null" if close_due is None else f'"{close_due}"',
            self._address(row[16], row[17])[1],
            encode(postcode[:4]) if postcode else '""',
            _json_float(round(row[9], PUBLIC_COORDINATE_DECIMALS)),
            _json_float(round(row[10], PUBLIC_COORDINATE_DECIMALS)),
        )


# The JSON of rows already written, per language and time zone: a row's JSON depends on nothing
# but the row (every column the item shows, ``updated_at`` included, so a changed report or a
# renamed category or buurt is a new row), the language and the zone (the labels come from the
# translation catalogue, fixed while the process runs). Open311 clients poll the same recent
# window again and again, so most rows of a page were written before; writing 1,000 rows anew
# was half of the page's time. Bounded: emptied when full (about 2 kB a row with its key).
WRITTEN_ROWS_KEPT = 5_000
_WRITTEN: dict[tuple[str, str], dict[tuple[Any, ...], str]] = {}


def _written_rows(language: str, zone: tzinfo) -> dict[tuple[Any, ...], str]:
    return _WRITTEN.setdefault((language, str(zone)), {})
