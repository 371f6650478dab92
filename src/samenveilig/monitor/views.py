"""Pages for organisers of Communitymonitor rounds, under /monitor/.

- ``monitor:rounds`` — the rounds the user may manage. Coordinators and municipality officers
  only (``permissions.can_open_any_round``); everyone else 403, anonymous users to the login.
- ``monitor:round_new`` — open a round for a community or area the user may survey.
- ``monitor:round_detail`` — response count, figures (hidden below 10 respondents), the anonymous
  link, its QR code, the poster, closing; the free-text answers for the owner only. A round the
  user may not manage is a 404, so its existence does not leak.
- ``monitor:round_close`` (POST) and ``monitor:round_poster`` (A4 PDF) — same rule as the detail.

The anonymous answering page is in ``survey_views`` (/enquete/<token>/).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samenveilig.monitor import permissions, selectors, services
from samenveilig.monitor.forms import RoundForm
from samenveilig.monitor.models import SurveyRound
from samenveilig.monitor.poster import poster_pdf, qr_svg

ROUNDS_LIMIT = 200


def survey_url(survey_round: SurveyRound, request: HttpRequest | None = None) -> str:
    """The absolute anonymous link: on the configured SITE_URL, else on the request's host."""
    path = reverse("survey:answer", args=[survey_round.token])
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/") + path
    if request is None:
        return path
    return request.build_absolute_uri(path)


def _round_or_404(request: HttpRequest, pk: int) -> SurveyRound:
    survey_round = get_object_or_404(
        SurveyRound.objects.select_related("community", "area", "municipality", "questionnaire"),
        pk=pk,
    )
    if not permissions.can_manage_round(request.user, survey_round):
        raise Http404
    return survey_round


@login_required
@require_GET
def rounds(request: HttpRequest) -> HttpResponse:
    if not permissions.can_open_any_round(request.user):
        raise PermissionDenied
    visible = list(selectors.rounds_visible_to(request.user)[:ROUNDS_LIMIT])
    return render(request, "monitor/rounds.html", {"rounds": visible})


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request: HttpRequest) -> HttpResponse:
    if not permissions.can_open_any_round(request.user):
        raise PermissionDenied
    communities = selectors.openable_communities(request.user)
    areas = list(selectors.openable_areas(request.user))
    form = RoundForm(
        request.POST if request.method == "POST" else None,
        communities=communities,
        areas=areas,
    )
    if request.method == "POST" and form.is_valid():
        community, area = form.cleaned_data["scope"]
        opens_at, closes_at = form.period()
        try:
            survey_round = services.round_open(
                actor=request.user,
                name=form.cleaned_data["name"],
                audience=form.cleaned_data["audience"],
                opens_at=opens_at,
                closes_at=closes_at,
                community=community,
                area=area,
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                target = field if field in form.fields else None
                for message in field_errors:
                    form.add_error(target, message)
        else:
            messages.success(request, _("The round has been opened."))
            return redirect("monitor:round_detail", pk=survey_round.pk)
    return render(request, "monitor/round_new.html", {"form": form})


@login_required
@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey_round = _round_or_404(request, pk)
    url = survey_url(survey_round, request)
    is_owner = permissions.can_read_free_text(request.user, survey_round)
    context = {
        "round": survey_round,
        "status": survey_round.status(),
        "url": url,
        # segno writes the SVG from the URL's bits only: no user text reaches the markup.
        "qr_svg": mark_safe(qr_svg(url)),  # noqa: S308
        "summary": selectors.round_summary(survey_round),
        "is_owner": is_owner,
        "free_texts": selectors.free_texts(survey_round) if is_owner else [],
    }
    return render(request, "monitor/round_detail.html", context)


@login_required
@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    survey_round = _round_or_404(request, pk)
    was = survey_round.status()
    services.round_close(actor=request.user, survey_round=survey_round)
    if was != "closed":
        messages.success(request, _("The round has been closed. No more answers are accepted."))
    return redirect("monitor:round_detail", pk=survey_round.pk)


@login_required
@require_GET
def round_poster(request: HttpRequest, pk: int) -> HttpResponse:
    survey_round = _round_or_404(request, pk)
    pdf = poster_pdf(survey_round, survey_url(survey_round, request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="enquete-{survey_round.pk}.pdf"'
    return response
