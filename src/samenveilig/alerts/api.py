"""REST API of alerts under ``/api/v1/alerts`` (ALR-1, ALR-3, PLT-2), with the pages' rules.

- ``POST /alerts`` — create: police send at once; a coordinator proposes where the municipality
  allows it. Anyone else 403. Bad input 400 with the messages per field; 422 when the body does
  not match the schema at all (``person`` and ``vehicle`` must be JSON objects or null).
- ``GET /alerts/inbox`` — the alerts the member received, newest first; the description only
  while the alert is live (ALR-6).
- ``GET /alerts/{reference}/progress`` — per-channel progress for the police of the area and the
  proposing coordinator; 404 for everyone else (existence is not revealed).

Session authentication (``django_auth``); a POST needs the CSRF token as ``X-CSRFToken``.
Errors are ``{"detail": ..., "errors": [{"field": ..., "message": ...}]}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.security import django_auth

from samenveilig.alerts import fanout, permissions, services
from samenveilig.alerts.models import (
    DEFAULT_RADIUS_M,
    MAX_RADIUS_M,
    MIN_RADIUS_M,
    Alert,
    Channel,
    Delivery,
    Purpose,
)
from samenveilig.alerts.views import _state, description_lines, ended_alert_ids, may_send
from samenveilig.api.schemas import ObjectIn
from samenveilig.areas.models import Area, AreaLevel
from samenveilig.communities.models import AlertKind

router = Router(tags=["alerts"])

REFERENCE_PATTERN = r"^A-[0-9A-Z]{8}$"
INBOX_DEFAULT = 25
INBOX_MAX = 100


# --- schemas --------------------------------------------------------------------------------------


class ErrorItem(Schema):
    field: str = Field(description="The input field, e.g. `person.top`; `__all__`.")
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = Field(default_factory=list)


class PersonIn(ObjectIn):
    behaviour: str = Field("", max_length=1000, description="What the person did.")
    sex: str = Field("", max_length=20)
    age_min: int | None = Field(None, ge=0, le=110)
    age_max: int | None = Field(None, ge=0, le=110)
    height_min_cm: int | None = Field(None, ge=50, le=250)
    height_max_cm: int | None = Field(None, ge=50, le=250)
    build: str = Field("", max_length=40)
    skin_colour: str = Field(
        "", max_length=40, description="Only with at least two other distinctive details."
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


class VehicleIn(ObjectIn):
    kind: str = Field("", max_length=40)
    make: str = Field("", max_length=60)
    model: str = Field("", max_length=60)
    colour: str = Field("", max_length=40)
    lettering: str = Field("", max_length=120)
    licence_plate: str = Field("", max_length=20)
    direction: str = Field("", max_length=120)


class AlertIn(Schema):
    kind: AlertKind
    title: str = Field(max_length=200, description="Headline, at most 120 characters.")
    message: str = Field("", max_length=2000, description="What recipients should do.")
    person: PersonIn | None = None
    vehicle: VehicleIn | None = None
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    radius_m: int = Field(
        DEFAULT_RADIUS_M,
        ge=0,
        le=1_000_000,
        description=f"Metres, {MIN_RADIUS_M}–{MAX_RADIUS_M}; ignored with `neighbourhoods`.",
    )
    neighbourhoods: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="CBS buurt codes (e.g. `BU03630000`) instead of a circle.",
    )
    valid_until: datetime | None = Field(
        None, description="ISO 8601; empty: the default of the kind (2 h for persons)."
    )


class AlertCreated(Schema):
    reference: str
    status: str
    expires_at: datetime
    url: str


class DescriptionLine(Schema):
    label: str
    value: str


class ChannelProgressOut(Schema):
    channel: str
    total: int = Field(ge=0)
    sent: int = Field(ge=0)
    failed: int = Field(ge=0)
    pending: int = Field(ge=0)
    held: int = Field(ge=0, description="Waiting for the end of recipients' quiet hours.")
    cancelled: int = Field(ge=0)


class ProgressOut(Schema):
    reference: str
    status: str
    state: str = Field(description="`live`, `pending`, `rejected`, `ended` or `expired`.")
    recipients: int = Field(ge=0)
    channels: list[ChannelProgressOut]
    closing: list[ChannelProgressOut]


class InboxItem(Schema):
    reference: str
    kind: str
    kind_label: str
    title: str
    state: str = Field(description="`live`, `ended` or `expired`.")
    received_at: datetime
    read: bool
    expires_at: datetime
    neighbourhood: str
    description: list[DescriptionLine] = Field(description="Empty once the alert is not live.")
    message: str
    closing_message: str
    url: str


class InboxFilters(Schema):
    limit: int = Field(INBOX_DEFAULT, ge=1, le=INBOX_MAX)


# --- helpers --------------------------------------------------------------------------------------


def _error(detail: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {
        "detail": detail,
        "errors": [
            {"field": field, "message": str(message)}
            for field, messages in (errors or {}).items()
            for message in messages
        ],
    }


def _refused() -> Status:
    return Status(403, _error(_("You may not send alerts.")))


def _progress_rows(alert: Alert, purpose: str) -> list[dict[str, Any]]:
    return [
        {
            "channel": row.channel,
            "total": row.total,
            "sent": row.sent,
            "failed": row.failed,
            "pending": row.pending,
            "held": row.held,
            "cancelled": row.cancelled,
        }
        for row in fanout.progress(alert, purpose)
    ]


def _url(alert: Alert) -> str:
    from django.urls import reverse

    return reverse("alerts:detail", args=[alert.reference])


# --- endpoints ------------------------------------------------------------------------------------


@router.post(
    "",
    auth=django_auth,
    response={201: AlertCreated, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Create an alert (police send; coordinators propose where allowed)",
)
def create_alert(request: HttpRequest, payload: AlertIn) -> Any:
    user = request.user
    if not may_send(user):
        return _refused()
    errors: dict[str, list[str]] = {}
    area_ids: list[int] = []
    if payload.neighbourhoods:
        codes = {code.strip().upper() for code in payload.neighbourhoods}
        found = dict(
            Area.objects.filter(code__in=codes, level=AreaLevel.NEIGHBOURHOOD).values_list(
                "code", "pk"
            )
        )
        unknown = sorted(codes - set(found))
        if unknown:
            errors["neighbourhoods"] = [
                _("Unknown neighbourhood codes: %(codes)s.") % {"codes": ", ".join(unknown)}
            ]
        area_ids = list(found.values())
    if (payload.lat is None) != (payload.lon is None):
        errors.setdefault("lat", []).append(_("Give both lat and lon."))
    if errors:
        return Status(400, _error(_("Please correct the marked fields."), errors))
    valid_until = payload.valid_until
    if valid_until is not None and timezone.is_naive(valid_until):
        valid_until = timezone.make_aware(valid_until)
    data = services.AlertInput(
        kind=payload.kind.value,
        title=payload.title,
        message=payload.message,
        person=payload.person.model_dump() if payload.person else None,
        vehicle=payload.vehicle.model_dump() if payload.vehicle else None,
        lat=payload.lat,
        lon=payload.lon,
        radius_m=payload.radius_m,
        area_ids=area_ids,
        valid_until=valid_until,
    )
    try:
        alert = services.alert_create(actor=user, data=data)
    except services.AlertValidationError as error:
        return Status(400, _error(_("Please correct the marked fields."), error.errors))
    except PermissionDenied:
        return Status(
            403, _error(_("You can only send alerts for the area you are responsible for."))
        )
    return Status(
        201,
        {
            "reference": alert.reference,
            "status": alert.status,
            "expires_at": alert.expires_at,
            "url": _url(alert),
        },
    )


@router.get(
    "/inbox",
    auth=django_auth,
    response={200: list[InboxItem], 401: ErrorOut, 422: ErrorOut},
    summary="Alerts I received, newest first",
)
def inbox(request: HttpRequest, filters: Query[InboxFilters]) -> Any:
    deliveries = list(
        Delivery.objects.filter(user=request.user, channel=Channel.INBOX, purpose=Purpose.ALERT)
        .select_related("alert", "alert__centre_neighbourhood")
        .order_by("-created_at", "-id")[: filters.limit]
    )
    closings = set(
        Delivery.objects.filter(
            user=request.user,
            channel=Channel.INBOX,
            purpose=Purpose.CLOSING,
            alert_id__in=[d.alert_id for d in deliveries],
        ).values_list("alert_id", flat=True)
    )
    now = timezone.now()
    items = []
    ended = ended_alert_ids([d.alert for d in deliveries])
    for delivery in deliveries:
        alert = delivery.alert
        state = _state(alert, now, ended)
        live = state == "live"
        lines = description_lines(alert) if live else []
        items.append(
            {
                "reference": alert.reference,
                "kind": alert.kind,
                "kind_label": str(alert.get_kind_display()),
                "title": alert.title,
                "state": state,
                "received_at": delivery.created_at,
                "read": delivery.read_at is not None,
                "expires_at": alert.expires_at,
                "neighbourhood": (
                    alert.centre_neighbourhood.name if alert.centre_neighbourhood else ""
                ),
                "description": [{"label": label, "value": value} for label, value in lines],
                "message": alert.message if live else "",
                "closing_message": alert.closing_message if alert.pk in closings else "",
                "url": _url(alert),
            }
        )
    return Status(200, items)


@router.get(
    "/{reference}/progress",
    auth=django_auth,
    response={200: ProgressOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Progress of an alert per channel (sender side)",
)
def progress(
    request: HttpRequest,
    reference: str = Path(..., max_length=16, pattern=REFERENCE_PATTERN),
) -> Any:
    alert = Alert.objects.filter(reference=reference).first()
    if alert is None or not permissions.can_manage(request.user, alert):
        return Status(404, _error(_("There is no alert with this reference.")))
    channels = _progress_rows(alert, Purpose.ALERT)
    return Status(
        200,
        {
            "reference": alert.reference,
            "status": alert.status,
            "state": _state(alert),
            "recipients": next((c["total"] for c in channels if c["channel"] == Channel.INBOX), 0),
            "channels": channels,
            "closing": _progress_rows(alert, Purpose.CLOSING) if alert.closed_at else [],
        },
    )
