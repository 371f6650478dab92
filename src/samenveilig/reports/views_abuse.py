"""Marking a report as misuse of the platform (REP-10), from the two pages that handle reports.

- ``reports:flag_abuse`` — from the partner's report page; who may not handle the report gets a
  404 (as on the page itself).
- ``reports:moderation_flag_abuse`` — from the moderation page; who coordinates nothing gets a
  403, a report outside their communities a 404 (as ``reports:moderate``).

POST only (GET is a 405). A bad form or a refusal (already marked) shows the page again with the
message; success redirects back with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samenveilig.reports import selectors
from samenveilig.reports.forms_abuse import AbuseForm
from samenveilig.reports.models import Report
from samenveilig.reports.services import abuse as abuse_services
from samenveilig.reports.types import ReportActionError
from samenveilig.reports.views_partner import (
    REFERENCE,
    _handle_page,
    _moderation_page,
    moderatable_report,
    no_longer_waiting,
)


def _flag(request: HttpRequest, report: Report, form: AbuseForm) -> str | None:
    """Run the service; the refusal's message, or ``None`` when the report is marked."""
    try:
        abuse_services.report_flag_abuse(
            actor=request.user,
            report=report,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except ReportActionError as error:
        form.add_error(None, error.message)
        return error.message
    messages.success(
        request,
        _("Report %(reference)s is marked as misuse; the reporter has been told.")
        % {"reference": report.reference},
    )
    return None


@require_POST
@login_required
def flag_abuse(request: HttpRequest, reference: str) -> HttpResponse:
    report = selectors.handled_report_or_none(request.user, reference)
    if report is None:
        raise Http404
    form = AbuseForm(request.POST, prefix="abuse")
    if not form.is_valid():
        return _handle_page(request, report, bound=("abuse", form))
    refusal = _flag(request, report, form)
    if refusal is not None:
        return _handle_page(request, report, bound=("abuse", form), page_error=refusal)
    return redirect("reports:handle", reference=reference)


@require_POST
@login_required
def moderation_flag_abuse(request: HttpRequest, reference: str) -> HttpResponse:
    report = moderatable_report(request, reference)
    form = AbuseForm(request.POST, prefix=f"a{report.pk}")
    if not form.is_valid():
        return _moderation_page(
            request, abuse_bound=(report.pk, form), page_error=no_longer_waiting(report)
        )
    refusal = _flag(request, report, form)
    if refusal is not None:
        return _moderation_page(request, abuse_bound=(report.pk, form), page_error=refusal)
    return redirect("reports:moderation")


urlpatterns = [
    re_path(rf"^{REFERENCE}/behandelen/misbruik/$", flag_abuse, name="flag_abuse"),
    re_path(
        rf"^moderatie/{REFERENCE}/misbruik/$", moderation_flag_abuse, name="moderation_flag_abuse"
    ),
]
