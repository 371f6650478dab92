"""REST API for reports under ``/api/v1/`` (REP-12, PLT-2): the same operations as Open311, for
logged-in users of the platform, typed so the OpenAPI document describes every answer.

- ``POST /reports`` — file a report (session authentication; CSRF token required, as ninja
  checks it for cookie authentication: send the ``csrftoken`` cookie's value as ``X-CSRFToken``).
- ``GET /reports`` — the reports the user may see, newest first, keyset-paginated with ``after``.
- ``GET /reports/{reference}`` — one of them; 404 when it does not exist *or* is not visible.
- ``GET /categories`` — the active categories (public, like Open311 ``services``).

Errors are ``{"detail": ..., "errors": [{"field": ..., "message": ...}]}``.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.security import django_auth

from samenveilig.api.schemas import ObjectIn
from samenveilig.areas.models import Address, Area, AreaLevel
from samenveilig.reports.models import (
    DESCRIPTION_MAX_LENGTH,
    Category,
    Outcome,
    Report,
    ReportStatus,
)

router = Router(tags=["reports"])
categories_router = Router(tags=["reports"])

MAX_PERSONS = 5
MAX_VEHICLES = 5
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


# --- Schemas --------------------------------------------------------------------------------------


class ErrorItem(Schema):
    field: str = Field(description="The input field, e.g. `persons.0.behaviour`; `__all__`.")
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = Field(default_factory=list)


class CategoryOut(Schema):
    code: str
    name: str
    description: str
    group: str
    partner: str = Field(description="Who handles these reports: `police` or `municipality`.")
    asks_person: bool
    asks_vehicle: bool


class PersonIn(ObjectIn):
    behaviour: str = Field(
        "", max_length=1000, description="What did the person do? Required for every person."
    )
    sex: str = Field("", max_length=20)
    age_min: int | None = Field(None, ge=0, le=110)
    age_max: int | None = Field(None, ge=0, le=110)
    height_min_cm: int | None = Field(None, ge=50, le=250)
    height_max_cm: int | None = Field(None, ge=50, le=250)
    build: str = Field("", max_length=40)
    skin_colour: str = Field(
        "",
        max_length=40,
        description="Only with at least two other details (hair, top, bottom, shoes, features).",
    )
    hair_colour: str = Field("", max_length=40)
    hair_style: str = Field("", max_length=80)
    beard: str = Field("", max_length=80)
    glasses: str = Field("", max_length=80)
    top: str = Field("", max_length=120)
    bottom: str = Field("", max_length=120)
    shoes: str = Field("", max_length=120)
    headwear: str = Field("", max_length=120)
    features: str = Field("", max_length=200)
    direction: str = Field("", max_length=120)
    transport: str = Field("", max_length=120)


class PersonOut(PersonIn):
    pass


class VehicleIn(ObjectIn):
    kind: str = Field("", max_length=40)
    make: str = Field("", max_length=60)
    model: str = Field("", max_length=60)
    colour: str = Field("", max_length=40)
    lettering: str = Field("", max_length=120)
    licence_plate: str = Field(
        "", max_length=20, description="Dutch plate; `*` or `?` for unknown characters."
    )
    direction: str = Field("", max_length=120)


class VehicleOut(VehicleIn):
    pass


class ReportIn(Schema):
    category: str = Field(max_length=60, description="Category code, see `GET /categories`.")
    description: str = Field(max_length=DESCRIPTION_MAX_LENGTH)
    observed_at: datetime = Field(description="When it was seen; ISO 8601, not in the future.")
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    postcode: str | None = Field(None, max_length=10, description="With `house_number`.")
    house_number: int | None = Field(None, ge=1, le=99999)
    house_number_addition: str = Field("", max_length=10)
    happening_now: bool = False
    called_112: bool = False
    share_identity: bool = Field(False, description="Partners may see who I am.")
    persons: list[PersonIn] = Field(default_factory=list, max_length=MAX_PERSONS)
    vehicles: list[VehicleIn] = Field(default_factory=list, max_length=MAX_VEHICLES)


class QualityHint(Schema):
    code: str = Field(description="Stable code, e.g. `add_clothing`.")
    message: str = Field(description="The hint in the active language.")


class ReportCreated(Schema):
    reference: str
    status: str
    quality_score: int = Field(ge=0, le=100)
    quality_hints: list[QualityHint]


class ReportSummary(Schema):
    reference: str
    category: str
    category_name: str
    status: str
    status_label: str
    observed_at: datetime
    submitted_at: datetime
    neighbourhood: str


class ReportDetail(ReportSummary):
    description: str
    outcome: str
    outcome_label: str
    lat: float
    lon: float
    quality_score: int = Field(ge=0, le=100)
    quality_hints: list[QualityHint]
    persons: list[PersonOut]
    vehicles: list[VehicleOut]


class ReportPage(Schema):
    items: list[ReportSummary]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")


class ReportFilters(Schema):
    after: str | None = Field(None, max_length=200, description="Cursor from `next`.")
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


# --- helpers --------------------------------------------------------------------------------------


def _language() -> str:
    return "en" if (translation.get_language() or "nl").startswith("en") else "nl"


def _error(detail: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    items = [
        {"field": field, "message": str(message)}
        for field, messages in (errors or {}).items()
        for message in messages
    ]
    return {"detail": detail, "errors": items}


def _category_out(category: Category, language: str) -> dict[str, Any]:
    return {
        "code": category.code,
        "name": category.name(language),
        "description": category.description(language),
        "group": category.group,
        "partner": category.partner,
        "asks_person": category.asks_person,
        "asks_vehicle": category.asks_vehicle,
    }


def _summary(report: Report, language: str) -> dict[str, Any]:
    return {
        "reference": report.reference,
        "category": report.category.code,
        "category_name": report.category.name(language),
        "status": report.status,
        "status_label": str(ReportStatus(report.status).label),
        "observed_at": report.observed_at,
        "submitted_at": report.submitted_at,
        "neighbourhood": report.neighbourhood.name,
    }


def _detail(report: Report, language: str) -> dict[str, Any]:
    person_fields = list(PersonOut.model_fields)
    vehicle_fields = list(VehicleOut.model_fields)
    return {
        **_summary(report, language),
        "description": report.description,
        "outcome": report.outcome,
        "outcome_label": str(Outcome(report.outcome).label) if report.outcome else "",
        "lat": report.lat,
        "lon": report.lon,
        "quality_score": report.quality_score,
        "quality_hints": _hints(report),
        "persons": [{f: getattr(p, f) for f in person_fields} for p in report.persons.all()],
        "vehicles": [{f: getattr(v, f) for f in vehicle_fields} for v in report.vehicles.all()],
    }


def _hints(report: Report) -> list[dict[str, str]]:
    from samenveilig.reports.quality import hint_message

    return [
        {"code": str(code), "message": hint_message(str(code))}
        for code in report.quality_hints or []
    ]


def _encode_cursor(report: Report) -> str:
    raw = f"{report.submitted_at.isoformat()}|{report.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when_text, id_text = raw.rsplit("|", 1)
        when = parse_datetime(when_text)
        pk = int(id_text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    from samenveilig.reports.selectors import valid_position

    if not valid_position(when, pk):
        return None
    return when, pk


def _visible(user: Any) -> QuerySet[Report]:
    from samenveilig.reports.selectors import reports_visible_to

    return reports_visible_to(user)


def _resolve_location(
    payload: ReportIn,
) -> tuple[float | None, float | None, Address | None, Area | None, dict[str, list[str]]]:
    """``(lat, lon, address, buurt, errors)`` from lat/lon or postcode + house number."""
    from samenveilig.areas.selectors import address_lookup
    from samenveilig.areas.spatial import neighbourhood_at

    if payload.lat is not None and payload.lon is not None:
        buurt = neighbourhood_at(payload.lat, payload.lon)
        if buurt is None:
            message = _("This place lies outside every neighbourhood served here.")
            return payload.lat, payload.lon, None, None, {"location": [message]}
        return payload.lat, payload.lon, None, buurt, {}
    if payload.postcode and payload.house_number is not None:
        address = address_lookup(
            payload.postcode, payload.house_number, payload.house_number_addition
        )
        if address is None:
            message = _("We do not know this postcode and house number.")
            return None, None, None, None, {"postcode": [message]}
        if address.neighbourhood is None:
            message = _("This address lies outside every neighbourhood served here.")
            return None, None, None, None, {"postcode": [message]}
        return None, None, address, address.neighbourhood, {}
    message = _("Give the place: lat and lon, or postcode and house number.")
    return None, None, None, None, {"location": [message]}


# --- endpoints ------------------------------------------------------------------------------------


@categories_router.get(
    "",
    auth=None,
    response={200: list[CategoryOut], 404: ErrorOut, 422: ErrorOut},
    summary="Active report categories (defaults, or those of one municipality)",
)
def list_categories(
    request: HttpRequest,
    municipality: str | None = Query(None, max_length=20, description="CBS code, e.g. GM0363"),
) -> Any:
    from samenveilig.reports.categories import categories_for

    area = None
    if municipality:
        area = Area.objects.filter(level=AreaLevel.MUNICIPALITY, code=municipality.upper()).first()
        if area is None:
            return Status(404, _error(_("There is no municipality with this code.")))
    language = _language()
    categories = categories_for(area).order_by("sort_order", "code")
    return Status(200, [_category_out(c, language) for c in categories])


@router.post(
    "",
    auth=django_auth,
    response={201: ReportCreated, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="File a report",
)
def create_report(request: HttpRequest, payload: ReportIn) -> Any:
    from samenveilig.reports.types import ReportInput, ReportValidationError

    lat, lon, address, buurt, errors = _resolve_location(payload)
    if errors or buurt is None:
        return Status(422, _error(_("Please correct the marked fields."), errors))
    district = buurt.parent
    municipality = district.parent if district is not None else None
    category = None
    if municipality is not None:
        from samenveilig.reports.categories import offered_category

        category = offered_category(municipality, payload.category)
    if category is None:
        message = _("This category does not exist here.")
        return Status(422, _error(_("Please correct the marked fields."), {"category": [message]}))

    observed_at = payload.observed_at
    if timezone.is_naive(observed_at):
        observed_at = timezone.make_aware(observed_at)
    data = ReportInput(
        category=category,
        description=payload.description,
        observed_at=observed_at,
        lat=lat,
        lon=lon,
        address=address,
        neighbourhood=buurt,
        happening_now=payload.happening_now,
        called_112=payload.called_112,
        share_identity=payload.share_identity,
        persons=[person.model_dump() for person in payload.persons],
        vehicles=[vehicle.model_dump() for vehicle in payload.vehicles],
    )
    from samenveilig.reports.services.submission import report_submit

    try:
        report = report_submit(
            reporter=request.user, data=data, source="api", ip=request.META.get("REMOTE_ADDR")
        )
    except ReportValidationError as error:
        return Status(422, _error(_("Please correct the marked fields."), error.errors))
    return Status(
        201,
        {
            "reference": report.reference,
            "status": report.status,
            "quality_score": report.quality_score,
            "quality_hints": _hints(report),
        },
    )


@router.get(
    "",
    auth=django_auth,
    response={200: ReportPage, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut},
    summary="Reports I may see, newest first",
)
def list_reports(request: HttpRequest, filters: Query[ReportFilters]) -> Any:
    queryset = _visible(request.user).select_related("category", "neighbourhood")
    if filters.after:
        cursor = _decode_cursor(filters.after)
        if cursor is None:
            return Status(
                400,
                _error(_("This cursor is not valid."), {"after": [_("Use the value of next.")]}),
            )
        when, pk = cursor
        queryset = queryset.filter(
            Q(submitted_at__lte=when), Q(submitted_at__lt=when) | Q(pk__lt=pk)
        )
    rows = list(queryset.order_by("-submitted_at", "-pk")[: filters.limit + 1])
    has_more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    language = _language()
    return Status(
        200,
        {
            "items": [_summary(report, language) for report in rows],
            "next": _encode_cursor(rows[-1]) if has_more and rows else None,
        },
    )


@router.get(
    "/{reference}",
    auth=django_auth,
    response={200: ReportDetail, 401: ErrorOut, 404: ErrorOut},
    summary="One report I may see",
)
def get_report(request: HttpRequest, reference: str) -> Any:
    from samenveilig.reports.routing import could_be_reference

    if not could_be_reference(reference):
        return Status(404, _error(_("There is no report with this reference that you may see.")))
    report = (
        _visible(request.user)
        .select_related("category", "neighbourhood")
        .prefetch_related("persons", "vehicles")
        .filter(reference=reference)
        .first()
    )
    if report is None:
        return Status(404, _error(_("There is no report with this reference that you may see.")))
    return Status(200, _detail(report, _language()))
