"""REST API of the canvass under ``/api/v1/inquiries`` (INQ-5, INQ-6, PLT-2).

- ``GET /inquiries/{reference}/routes/{position}`` — the route bundle for the pair that walks it:
  the route, its doors in walking order (address, status of the newest visit, lead marker, door
  form URL), the questionnaire (id, form, version, definition) and labels in the user's language.
  A phone keeps it for use without signal. 401 anonymous; 404 when the user may not see the
  inquiry or the route does not exist; 403 for another pair's route or a closed inquiry.
- ``POST /inquiries/visits/sync`` — a batch of visits from the phone's offline queue (at most
  ``MAX_BATCH``), each ``{idempotency_key, stop_id, questionnaire_id, answers, visited_at}``.
  Every item gets its own result, in the order sent: ``stored``, ``already_stored`` (the key was
  stored before: nothing stored twice), ``refused`` (the answers break the form — ``errors`` with
  the form's messages per field path, in the user's language — or the item is malformed),
  ``forbidden`` (not a door the user may record) or ``failed`` (an unexpected error; send it
  again later). Every item is checked on its own and a bad item never costs the others; the
  good ones are written together (``services.visits_record_batch``); the batch as a whole
  answers 200. A visit made on an older version of the inquiry's
  questionnaire (same form) is validated against and stored with that version.

Session authentication (``django_auth``); a POST needs the CSRF token as ``X-CSRFToken`` (403
without it).
Errors are ``{"detail": ..., "errors": [{"field": ..., "message": ...}]}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pydantic
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status
from ninja.security import django_auth

from samenveilig.inquiries import services
from samenveilig.inquiries.views_canvass import (
    canvassable_route,
    outcome_labels,
    route_doors,
    route_url,
    user_language,
)

router = Router(tags=["inquiries"])

REFERENCE_PATTERN = r"^B-[0-9A-Z]{8}$"
MAX_BATCH = 100

STORED = "stored"
ALREADY_STORED = "already_stored"
REFUSED = "refused"
FORBIDDEN = "forbidden"
FAILED = "failed"


# --- schemas --------------------------------------------------------------------------------------


class ErrorItem(Schema):
    field: str = Field(
        description="The answer's path in the form (`conversation/phone`), or `__all__`."
    )
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = Field(default_factory=list)


class InquiryOut(Schema):
    reference: str
    kind: str
    kind_label: str
    status: str
    summary: str


class RouteOut(Schema):
    position: int
    label: str
    street: str
    url: str = Field(description="The route page.")
    partner: str = Field(description="The other canvasser of the pair.")


class DoorOut(Schema):
    stop_id: int
    position: int
    address: str
    postcode: str
    status: str = Field(
        description="`not_visited`, `niet_thuis`, `wil_niet` or `gesproken` (newest visit)."
    )
    status_label: str
    is_lead: bool = Field(description="A visit here saw or heard something or found a camera.")
    visits: int
    form_url: str


class QuestionnaireOut(Schema):
    id: int
    form_id: str
    version: str
    name: str
    definition: dict[str, Any]


class BundleOut(Schema):
    inquiry: InquiryOut
    route: RouteOut
    doors: list[DoorOut]
    questionnaire: QuestionnaireOut
    language: str
    labels: dict[str, str] = Field(description="Door statuses and the lead marker.")
    sync_url: str


# The years a visit time may name: the span the report cursors accept too
# (``reports.selectors.EARLIEST``/``LATEST``), which both databases store and read back.
EARLIEST_YEAR, LATEST_YEAR = 1900, 3000


class VisitIn(pydantic.BaseModel):
    """One queued visit. Checked per item, so a malformed item is refused on its own."""

    model_config = pydantic.ConfigDict(extra="ignore")

    idempotency_key: str = pydantic.Field(pattern=r"^[A-Za-z0-9_.:-]{8,100}$")
    stop_id: int = pydantic.Field(ge=1)
    questionnaire_id: int | None = pydantic.Field(None, ge=1)
    answers: dict[str, Any]
    visited_at: dt.datetime | None = None

    @pydantic.field_validator("visited_at")
    @classmethod
    def _a_year_the_database_holds(cls, value: dt.datetime | None) -> dt.datetime | None:
        # Year 1 at +14:00 lies before year 1 in UTC: PostgreSQL stored it as a BC time that it
        # then refused to read back (every page reading the visit failed).
        if value is not None and not (EARLIEST_YEAR <= value.year < LATEST_YEAR):
            raise ValueError(
                _("%(name)s must lie between the years %(first)s and %(last)s.")
                % {"name": "visited_at", "first": EARLIEST_YEAR, "last": LATEST_YEAR - 1}
            )
        return value


class SyncIn(Schema):
    visits: list[Any] = Field(
        max_length=MAX_BATCH,
        description=(
            "Items `{idempotency_key, stop_id, questionnaire_id, answers, visited_at}`; "
            "`answers` is the nested answers object of the questionnaire, `visited_at` ISO 8601."
        ),
    )


class ItemResult(Schema):
    index: int = Field(description="Position of the item in the batch (0-based).")
    idempotency_key: str
    stop_id: int | None
    status: str = Field(
        description="`stored`, `already_stored`, `refused`, `forbidden` or `failed`."
    )
    visit_id: int | None = None
    detail: str = ""
    errors: list[ErrorItem] = Field(default_factory=list)


class SyncOut(Schema):
    results: list[ItemResult]
    stored: int
    already_stored: int
    refused: int = Field(description="Items refused or forbidden.")
    failed: int


# --- route bundle ---------------------------------------------------------------------------------


@router.get(
    "/{reference}/routes/{position}",
    auth=django_auth,
    response={200: BundleOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="inquiry_route_bundle",
    summary="A route with its doors and questionnaire, for the pair walking it",
)
def route_bundle(
    request: HttpRequest,
    reference: str = Path(..., max_length=16, pattern=REFERENCE_PATTERN),
    position: int = Path(..., ge=1, le=999_999),
) -> Any:
    try:
        route = canvassable_route(request.user, reference, position)
    except Http404:
        return Status(404, {"detail": _("There is no such route."), "errors": []})
    except PermissionDenied:
        return Status(
            403,
            {
                "detail": _("Only the pair walking this route, while the inquiry is open."),
                "errors": [],
            },
        )
    inquiry = route.inquiry
    questionnaire = inquiry.questionnaire
    partner_id = next((i for i in route.pair_ids if i != request.user.pk), None)
    partner = (
        route.first_canvasser if route.first_canvasser_id == partner_id else route.second_canvasser
    )
    return Status(
        200,
        {
            "inquiry": {
                "reference": inquiry.reference,
                "kind": inquiry.kind,
                "kind_label": str(inquiry.get_kind_display()),
                "status": inquiry.status,
                "summary": inquiry.summary,
            },
            "route": {
                "position": route.position,
                "label": route.label,
                "street": route.street,
                "url": route_url(route),
                "partner": partner.public_name if partner is not None else "",
            },
            "doors": [
                {
                    "stop_id": door.stop.pk,
                    "position": door.stop.position,
                    "address": door.address,
                    "postcode": door.postcode,
                    "status": door.status,
                    "status_label": door.status_label,
                    "is_lead": door.is_lead,
                    "visits": door.visits,
                    "form_url": door.url,
                }
                for door in route_doors(route)
            ],
            "questionnaire": {
                "id": questionnaire.pk,
                "form_id": questionnaire.form_id,
                "version": questionnaire.version,
                "name": questionnaire.name,
                "definition": questionnaire.definition,
            },
            "language": user_language(),
            "labels": {**outcome_labels(), "lead": _("Lead")},
            "sync_url": reverse("api:inquiry_visits_sync"),
        },
    )


# --- batch sync -----------------------------------------------------------------------------------


def _result(index: int, key: str, stop_id: int | None, status: str, **extra: Any) -> dict:
    return {
        "index": index,
        "idempotency_key": key,
        "stop_id": stop_id,
        "status": status,
        "visit_id": extra.get("visit_id"),
        "detail": extra.get("detail", ""),
        "errors": extra.get("errors", []),
    }


def _schema_errors(exc: pydantic.ValidationError) -> list[dict[str, str]]:
    """An item's schema errors with the API's translated messages, not pydantic's English."""
    # Imported here: ``api.root`` imports this module's router when it is imported.
    from samenveilig.api.root import error_message

    return [
        {
            "field": ".".join(str(p) for p in error.get("loc", ())) or "__all__",
            "message": error_message(error),
        }
        for error in exc.errors(include_url=False, include_input=False)
    ]


@router.post(
    "/visits/sync",
    auth=django_auth,
    response={200: SyncOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    url_name="inquiry_visits_sync",
    summary="Store a batch of queued canvass visits, once per idempotency key",
)
def visits_sync(request: HttpRequest, payload: SyncIn) -> Any:
    results: list[dict | None] = []
    queued: list[services.QueuedVisit] = []
    for index, raw in enumerate(payload.visits):
        try:
            item = VisitIn.model_validate(raw)
        except pydantic.ValidationError as exc:
            raw_key = raw.get("idempotency_key") if isinstance(raw, dict) else None
            raw_stop = raw.get("stop_id") if isinstance(raw, dict) else None
            results.append(
                _result(
                    index,
                    raw_key[:100] if isinstance(raw_key, str) else "",
                    raw_stop
                    if isinstance(raw_stop, int) and not isinstance(raw_stop, bool)
                    else None,
                    REFUSED,
                    detail=_("This item is not a visit the server can read."),
                    errors=_schema_errors(exc),
                )
            )
            continue
        visited_at = item.visited_at
        if visited_at is not None and timezone.is_naive(visited_at):
            visited_at = timezone.make_aware(visited_at)
        queued.append(
            services.QueuedVisit(
                idempotency_key=item.idempotency_key,
                stop_id=item.stop_id,
                answers=item.answers,
                questionnaire_id=item.questionnaire_id,
                visited_at=visited_at,
            )
        )
        results.append(None)
    outcomes = iter(
        services.visits_record_batch(actor=request.user, items=queued, language=user_language())
    )
    queued_items = iter(queued)
    for index, result in enumerate(results):
        if result is None:
            outcome, visit = next(outcomes), next(queued_items)
            results[index] = _result(
                index,
                visit.idempotency_key,
                visit.stop_id,
                outcome.status,
                visit_id=outcome.visit_id,
                detail=outcome.detail,
                errors=[{"field": f, "message": m} for f, m in (outcome.errors or {}).items()],
            )
    counts = {status: 0 for status in (STORED, ALREADY_STORED, REFUSED, FORBIDDEN, FAILED)}
    for result in results:
        counts[result["status"]] += 1
    return Status(
        200,
        {
            "results": results,
            "stored": counts[STORED],
            "already_stored": counts[ALREADY_STORED],
            "refused": counts[REFUSED] + counts[FORBIDDEN],
            "failed": counts[FAILED],
        },
    )
