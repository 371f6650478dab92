"""REST API of the training under ``/api/v1/training`` (TRN-1, PLT-2).

- ``GET /training/certificates`` — my own certificates, newest first, with their state.
- ``GET /training/clearance/{activity}`` — whether I may do an activity (``canvass``,
  ``investigation``, ``patrol``): 200 with the modules it needs, or 403 with a message naming the
  modules to take first (the same gate the pages and services use). A phone app asks this before
  a canvasser sets out.

Session authentication (``django_auth``); anonymous requests get 401. Nobody can read another
person's certificates here. Errors are ``{"detail": ..., "errors": [{"field", "message"}]}``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from samenveilig.training import permissions, selectors
from samenveilig.training.content import get_module

router = Router(tags=["training"])


class Activity(StrEnum):
    CANVASS = permissions.CANVASS
    INVESTIGATION = permissions.INVESTIGATION
    PATROL = permissions.PATROL


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = Field(default_factory=list)


class CertificateOut(Schema):
    module: str = Field(description="The module's slug, e.g. `buurtonderzoek`.")
    number: int
    title: str = Field(description="In the language of the request.")
    issued_at: datetime
    valid_until: datetime
    state: str = Field(description="`valid`, `expiring` (within a month) or `expired`.")


class ModuleOut(Schema):
    module: str
    number: int
    title: str


class ClearanceOut(Schema):
    activity: str
    modules: list[ModuleOut]


@router.get(
    "/certificates",
    auth=django_auth,
    response={200: list[CertificateOut], 401: ErrorOut},
    summary="My training certificates, newest first",
)
def my_certificates(request: HttpRequest) -> Any:
    items = []
    for certificate in selectors.certificates_of(request.user):
        module = get_module(certificate.module)
        if module is None:
            continue
        items.append(
            {
                "module": module.slug,
                "number": module.number,
                "title": module.title,
                "issued_at": certificate.issued_at,
                "valid_until": certificate.valid_until,
                "state": selectors.certificate_state(certificate),
            }
        )
    return Status(200, items)


@router.get(
    "/clearance/{activity}",
    auth=django_auth,
    response={200: ClearanceOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="May I do this activity? 403 names the training modules to take first",
)
def clearance(request: HttpRequest, activity: Activity) -> Any:
    missing = permissions.missing_modules(request.user, activity.value)
    if missing:
        return Status(
            403,
            {
                "detail": permissions.modules_sentence(missing),
                "errors": [
                    {"field": "module", "message": f"{module.number}. {module.title}"}
                    for module in missing
                ],
            },
        )
    modules = permissions.required_modules(activity.value)
    return Status(
        200,
        {
            "activity": activity.value,
            "modules": [{"module": m.slug, "number": m.number, "title": m.title} for m in modules],
        },
    )
