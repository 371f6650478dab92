"""The REST API root under /api/v1/ (PLT-2); each app adds its own router.

Every error answers ``{"detail": ..., "errors": [{"field": ..., "message": ...}]}``: the handler
below gives ninja's own request validation errors (422) the same shape as the apps' errors.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError

api = NinjaAPI(title="Samen Veilig API", version="1", urls_namespace="api")

# Where ninja says the bad value came from; the field path starts after it.
_LOCATIONS = {"body", "query", "path", "form", "header", "cookie", "file"}


def _field(loc: list[Any] | tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in _LOCATIONS:
        # Body errors carry the parameter's name (``payload``) before the field path.
        parts = parts[2:] if parts[0] == "body" and len(parts) > 2 else parts[1:]
    return ".".join(parts) or "__all__"


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "field": _field(error.get("loc", ())),
            "message": str(error.get("msg", "")),
        }
        for error in exc.errors
    ]
    return api.create_response(
        request, {"detail": _("Please correct the marked fields."), "errors": errors}, status=422
    )


@api.get("/health", auth=None, tags=["platform"], summary="Liveness and database check")
def health(request):  # type: ignore[no-untyped-def]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok"}


def _register_routers() -> None:
    from samenveilig.alerts.api import router as alerts_router
    from samenveilig.inquiries.api import router as inquiries_router
    from samenveilig.reports.api import categories_router
    from samenveilig.reports.api import router as reports_router
    from samenveilig.training.api import router as training_router

    api.add_router("/reports", reports_router)
    api.add_router("/categories", categories_router)
    api.add_router("/alerts", alerts_router)
    api.add_router("/training", training_router)
    api.add_router("/inquiries", inquiries_router)


_register_routers()
