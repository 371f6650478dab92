"""Request guards that hold for every page and endpoint."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
OPEN311_PREFIX = "/open311/"


def _contains_nul(pairs) -> bool:  # type: ignore[no-untyped-def]
    return any("\x00" in text for key, values in pairs for text in (key, *values))


def _has_nul(request: HttpRequest) -> bool:
    if _contains_nul(request.GET.lists()):
        return True
    content_type = request.content_type or ""
    if request.method in ("POST", "PUT", "PATCH"):
        if content_type == "application/json":
            # JSON spells the character \u0000; nothing legitimate sends it.
            return b"\\u0000" in request.body or b"\x00" in request.body
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return _contains_nul(request.POST.lists())
    return False


class RejectNullCharactersMiddleware:
    """Refuse input containing the NUL character with a clear 400 (§15).

    PostgreSQL cannot store NUL in text, so without this guard such input reaches the database
    and ends as a 500; no form field or API field has a use for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            message = _("The input contains a character that is not allowed (NUL). Remove it.")
            if request.path.startswith(API_PREFIX):
                return JsonResponse({"detail": message}, status=400)
            if request.path.startswith(OPEN311_PREFIX):  # the GeoReport v2 error list
                return JsonResponse([{"code": 400, "description": message}], safe=False, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
