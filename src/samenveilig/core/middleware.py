"""Request guards that hold for every page and endpoint."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from samenveilig.api.open311_xml import render_errors

API_PREFIX = "/api/"
OPEN311_PREFIX = "/open311/"
NUL = "\x00"


def _contains_nul(pairs) -> bool:  # type: ignore[no-untyped-def]
    return any(NUL in text for key, values in pairs for text in (key, *values))


def _has_nul(request: HttpRequest) -> bool:
    # The decoded path: /meldingen/%00/ or any app's <str:...> part reached the view and then
    # the database (/programma/checklijsten/%00/ was a 500 on PostgreSQL).
    if NUL in request.path_info:
        return True
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


def refusal(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 in the channel's own error shape: the API's ``detail``/``errors``, the Open311
    error list (XML for a ``.xml`` path, as its ``not_found`` decides), else the 400 page."""
    path = request.path_info
    if path.startswith(API_PREFIX):
        return JsonResponse(
            {"detail": message, "errors": []},
            status=400,
            content_type="application/json; charset=utf-8",
        )
    if path.startswith(OPEN311_PREFIX):
        return render_errors("xml" if path.endswith(".xml") else "json", 400, [message])
    return render(request, "400.html", {"message": message}, status=400)


class RejectNullCharactersMiddleware:
    """Refuse input containing the NUL character with a clear 400 (§15).

    PostgreSQL cannot store NUL in text, nor compare with it, so without this guard such input
    reaches the database and ends as a 500; no path, form field or API field has a use for it.

    Headers: servers refuse a raw NUL in a header value (gunicorn), and the project stores no
    header (user agent, referrer) anywhere; but a cookie may be quoted with an octal escape,
    ``sessionid="abcdefgh\\000"``, which Django decodes to a NUL, and the session lookup then
    failed on PostgreSQL on every page. That cookie is refused and removed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return refusal(
                request, _("The input contains a character that is not allowed (NUL). Remove it.")
            )
        if NUL in request.COOKIES.get(settings.SESSION_COOKIE_NAME, ""):
            response = refusal(
                request,
                _(
                    "Your browser sent a session cookie with a character that is not allowed "
                    "(NUL). It has been removed: reload the page and log in again."
                ),
            )
            response.delete_cookie(
                settings.SESSION_COOKIE_NAME,
                path=settings.SESSION_COOKIE_PATH,
                domain=settings.SESSION_COOKIE_DOMAIN,
                samesite=settings.SESSION_COOKIE_SAMESITE,
            )
            return response
        return self.get_response(request)
