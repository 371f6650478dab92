"""The REST API root under /api/v1/ (PLT-2); each app adds its own router.

Every error answers ``{"detail": ..., "errors": [{"field": ..., "message": ...}]}`` in the
user's language: the handlers below give ninja's own errors the same shape as the apps' errors,
with translated messages instead of pydantic's and ninja's English ones — request validation
(422), a body that is not JSON (400), a form or multipart body (415), and the 401/403 of
authentication and the CSRF check.
"""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, RawPostDataException
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser


class BodyError(ValueError):
    """A request body the API cannot read; ``message`` is translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _has_nul(value: Any) -> bool:
    """A NUL in any string of a parsed body, keys included. A loop, not recursion: json.loads
    accepts bodies nested deeper than Python's recursion limit allows a walk."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class JsonParser(Parser):
    """ninja's JSON parser with messages that say what to fix.

    The NUL guard (``core.middleware``) reads JSON bodies sent as ``application/json``; ninja
    parses any body as JSON, so a NUL sent under another content type is refused here (PostgreSQL
    cannot store it: such a report ended as a 500)."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            data = json.loads(request.body)
        except RecursionError as error:
            raise BodyError(_("The request body is nested too deeply.")) from error
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BodyError(
                _("The request body is not valid JSON. Send one JSON object, encoded as UTF-8.")
            ) from error
        except ValueError as error:  # a number of more than 4,300 digits
            raise BodyError(_("A number in the request body is too long.")) from error
        if _has_nul(data):
            raise BodyError(
                _("The input contains a character that is not allowed (NUL). Remove it.")
            )
        return data


api = NinjaAPI(title="Samen Veilig API", version="1", urls_namespace="api", parser=JsonParser())

# Where ninja says the bad value came from; the field path starts after it.
_LOCATIONS = {"body", "query", "path", "form", "header", "cookie", "file"}


def _field(loc: list[Any] | tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in _LOCATIONS:
        # Body errors carry the parameter's name (``payload``) before the field path.
        parts = parts[2:] if parts[0] == "body" and len(parts) > 2 else parts[1:]
    return ".".join(parts) or "__all__"


def _whole_number() -> str:
    return _("Enter a whole number.")


def _number() -> str:
    return _("Enter a number.")


def _date_time() -> str:
    return _("Enter a date and time in ISO 8601, for example 2026-03-14T21:30:00+01:00.")


def _date() -> str:
    return _("Enter a date in ISO 8601, for example 2026-03-14.")


def _object() -> str:
    return _("Enter a JSON object with the fields described.")


# pydantic's error types → a translated message; ``ctx`` holds the limits pydantic reports.
_MESSAGES: dict[str, Any] = {
    "missing": lambda ctx: _("This field is required."),
    "string_type": lambda ctx: _("Enter text."),
    "string_unicode": lambda ctx: _(
        "This text holds characters that are not valid Unicode (a lone surrogate). Remove them."
    ),
    "string_too_short": lambda ctx: (
        _("Enter at least %(n)s characters.") % {"n": ctx.get("min_length")}
    ),
    "string_too_long": lambda ctx: (
        _("Enter at most %(n)s characters.") % {"n": ctx.get("max_length")}
    ),
    "string_pattern_mismatch": lambda ctx: _("This value does not have the expected form."),
    "int_type": lambda ctx: _whole_number(),
    "int_parsing": lambda ctx: _whole_number(),
    "int_from_float": lambda ctx: _whole_number(),
    "int_parsing_size": lambda ctx: _("This number is too large."),
    "float_type": lambda ctx: _number(),
    "float_parsing": lambda ctx: _number(),
    "finite_number": lambda ctx: _("Enter a finite number (not NaN or Infinity)."),
    "greater_than": lambda ctx: _("Enter a number greater than %(n)s.") % {"n": ctx.get("gt")},
    "greater_than_equal": lambda ctx: _("Enter a number of at least %(n)s.") % {"n": ctx.get("ge")},
    "less_than": lambda ctx: _("Enter a number less than %(n)s.") % {"n": ctx.get("lt")},
    "less_than_equal": lambda ctx: _("Enter a number of at most %(n)s.") % {"n": ctx.get("le")},
    "bool_type": lambda ctx: _("Enter true or false."),
    "bool_parsing": lambda ctx: _("Enter true or false."),
    "datetime_type": lambda ctx: _date_time(),
    "datetime_parsing": lambda ctx: _date_time(),
    "datetime_from_date_parsing": lambda ctx: _date_time(),
    "datetime_object_invalid": lambda ctx: _date_time(),
    "timezone_aware": lambda ctx: _("Give the time with its offset, for example +01:00."),
    "date_type": lambda ctx: _date(),
    "date_parsing": lambda ctx: _date(),
    "date_from_datetime_parsing": lambda ctx: _date(),
    "date_from_datetime_inexact": lambda ctx: _date(),
    "list_type": lambda ctx: _("Enter a list."),
    "too_short": lambda ctx: _("Give at least %(n)s items.") % {"n": ctx.get("min_length")},
    "too_long": lambda ctx: _("Give at most %(n)s items.") % {"n": ctx.get("max_length")},
    "model_type": lambda ctx: _object(),
    "model_attributes_type": lambda ctx: _object(),
    "dict_type": lambda ctx: _object(),
    "literal_error": lambda ctx: (
        _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    ),
    "enum": lambda ctx: _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")},
    "extra_forbidden": lambda ctx: _("This field is not known here."),
    "uuid_type": lambda ctx: _("Enter a UUID."),
    "uuid_parsing": lambda ctx: _("Enter a UUID."),
}


def error_message(error: dict[str, Any]) -> str:
    """One pydantic error as a translated message that says what to fix.

    A ``value_error`` carries the message of the app's own validator (already translated);
    types without a message here get a general one rather than pydantic's English text."""
    ctx = error.get("ctx") or {}
    kind = error.get("type", "")
    if kind in ("value_error", "assertion_error") and ctx.get("error") is not None:
        return str(ctx["error"])
    message = _MESSAGES.get(kind)
    if message is not None:
        return str(message(ctx))
    return _("This value is not valid here.")


def _error_item(error: dict[str, Any]) -> dict[str, str]:
    loc = tuple(error.get("loc", ()))
    if error.get("type") == "missing" and len(loc) == 2 and loc[0] == "body":
        # No body at all: ninja names the view's parameter (``payload``), which no client sent.
        return {"field": "__all__", "message": _("The request body is empty: send a JSON object.")}
    return {"field": _field(loc), "message": error_message(error)}


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [_error_item(error) for error in exc.errors]
    return api.create_response(
        request, {"detail": _("Please correct the marked fields."), "errors": errors}, status=422
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own HTTP errors in the error shape, translated. A body the parser refused
    arrives here as ninja's "Cannot parse request body" with the ``BodyError`` as its cause."""
    cause = exc.__cause__
    if isinstance(cause, BodyError):
        detail = cause.message
    elif isinstance(exc, AuthenticationError):
        detail = _("Log in to use this part of the API.")
    elif exc.status_code == 403 and str(exc).startswith("CSRF"):
        detail = _(
            "The CSRF check failed: send the value of the csrftoken cookie in the X-CSRFToken "
            "header."
        )
    else:
        detail = str(exc)
    return api.create_response(request, {"detail": detail, "errors": []}, status=exc.status_code)


@api.exception_handler(RawPostDataException)
def form_body(request: HttpRequest, exc: RawPostDataException) -> HttpResponse:
    """A multipart body was read as a form before the API could read it as JSON."""
    return api.create_response(
        request,
        {
            "detail": _("Send the request body as JSON (Content-Type: application/json)."),
            "errors": [],
        },
        status=415,
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
