"""The anonymous survey link: /enquete/<token>/ (GET shows, POST answers) and its thank-you page.

No account, no permission: the unguessable token is the key. A round that is not open yet or is
closed gets a plain explanation (status 200), not an error. One response per browser is
encouraged with a cookie holding a random nonce, used only (hashed with the round's token) as the
answer set's idempotency key; a browser that already answered sees a notice instead of the form.
Nothing about the respondent is logged or stored (see ``services.response_submit``).

A round for more than one buurt (a gemeente, a wijk or a community) also asks, optionally, which
buurt the respondent lives in: a list of the round's buurten, or a postcode looked up in the
address register (the postcode is used for the lookup only, never stored or shown back).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from samenveilig.core import ratelimit
from samenveilig.monitor import services
from samenveilig.monitor.models import SurveyRound
from samenveilig.questionnaires.rendering import (
    DEFAULT_PREFIX,
    UPDATE_BUTTON,
    answers_from_post,
    form_fields,
)
from samenveilig.questionnaires.services import AnswerValidationError

COOKIE_NAME = "sv_enquete"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
COOKIE_PATH = "/enquete/"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}\Z")
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}\Z")
# Outside the questionnaire's "q/" names: the buurt the respondent lives in (optional).
BUURT_FIELD = "sv_buurt"
POSTCODE_FIELD = "sv_postcode"


def _round_or_404(token: str) -> SurveyRound:
    if not TOKEN_RE.match(token):
        raise Http404
    survey_round = (
        SurveyRound.objects.select_related("community", "area", "questionnaire")
        .filter(token=token)
        .first()
    )
    if survey_round is None:
        raise Http404
    return survey_round


def _nonce(request: HttpRequest) -> str | None:
    value = request.COOKIES.get(COOKIE_NAME, "")
    return value if NONCE_RE.match(value) else None


def _language() -> str:
    return "en" if (get_language() or "nl").startswith("en") else "nl"


def _set_cookie(request: HttpRequest, response: HttpResponse, nonce: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        nonce,
        max_age=COOKIE_MAX_AGE,
        path=COOKIE_PATH,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def _not_open(request: HttpRequest, survey_round: SurveyRound, status: str) -> HttpResponse:
    return render(
        request, "monitor/survey_not_open.html", {"round": survey_round, "status": status}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    survey_round = _round_or_404(token)
    status = survey_round.status()
    if status != "open":
        return _not_open(request, survey_round, status)
    cookie_nonce = _nonce(request)
    nonce = cookie_nonce or services.new_nonce()
    if services.already_answered(survey_round, cookie_nonce):
        return render(request, "monitor/survey_done.html", {"round": survey_round, "again": True})
    language = _language()
    form = survey_round.questionnaire.form
    answers: dict | None = None  # None: a fresh form
    errors: dict[str, str] = {}
    buurten = services.round_neighbourhoods(survey_round)
    buurt_value = request.POST.get(BUURT_FIELD, "")[:20] if buurten else ""
    postcode_value = request.POST.get(POSTCODE_FIELD, "")[:20] if buurten else ""
    buurt_error = ""
    if request.method == "POST":
        if DEFAULT_PREFIX + UPDATE_BUTTON not in request.POST and not ratelimit.consume(
            "survey",
            ratelimit.client_ip(request),
            limit=settings.SURVEY_ANSWERS_PER_HOUR_PER_IP,
        ):
            return ratelimit.too_many(
                request,
                _("Many answers came from your connection in the last hour. Try again later."),
            )
        answers = answers_from_post(form, request.POST)
        neighbourhood = None
        if buurten:
            try:
                neighbourhood = services.neighbourhood_choice(
                    survey_round, choice=buurt_value, postcode=postcode_value
                )
            except services.NeighbourhoodError as invalid:
                buurt_error = invalid.message
            else:
                # The postcode has done its work: it is not stored and not shown again.
                postcode_value = ""
                buurt_value = str(neighbourhood.pk) if neighbourhood is not None else ""
        if DEFAULT_PREFIX + UPDATE_BUTTON not in request.POST and not buurt_error:
            try:
                services.response_submit(
                    survey_round=survey_round,
                    answers=answers,
                    nonce=nonce,
                    language=language,
                    neighbourhood=neighbourhood,
                )
            except services.RoundNotOpen as closed:  # closed between GET and POST
                return _not_open(request, survey_round, closed.status)
            except AnswerValidationError as invalid:
                errors = invalid.errors
            else:
                response = redirect("survey:thanks", token=survey_round.token)
                _set_cookie(request, response, nonce)
                return response
    context = {
        "round": survey_round,
        "fields": form_fields(form, answers=answers, errors=errors, language=language),
        "errors": errors or ({BUURT_FIELD: buurt_error} if buurt_error else {}),
        "language": language,
        "buurten": buurten,
        "buurt_field": BUURT_FIELD,
        "buurt_value": buurt_value,
        "buurt_error": buurt_error,
        "postcode_field": POSTCODE_FIELD,
        "postcode_value": postcode_value,
        "update_button": DEFAULT_PREFIX + UPDATE_BUTTON,
    }
    response = render(request, "monitor/survey.html", context)
    if cookie_nonce is None:
        _set_cookie(request, response, nonce)
    return response


@never_cache
@require_GET
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    survey_round = _round_or_404(token)
    return render(request, "monitor/survey_done.html", {"round": survey_round, "again": False})
