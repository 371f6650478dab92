"""Filing a report (REP-2…REP-6): emergency question first, then one form, a check, and send.

The form works without JavaScript; a script only hides the person and vehicle sections for
categories that do not ask for them and lets the reporter place a pin on a map. "Check my
report" validates and scores without saving; browsers do not keep chosen files across a page
load, so the page says photos must be selected again before sending.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from samenveilig.reports.categories import categories_for
from samenveilig.reports.forms import (
    MAX_PERSON_FORMS,
    MAX_VEHICLE_FORMS,
    PersonForm,
    ReportForm,
    VehicleForm,
)
from samenveilig.reports.models import ReportSource
from samenveilig.reports.quality import Quality
from samenveilig.reports.services.submission import report_check, report_submit
from samenveilig.reports.signals import report_made_from
from samenveilig.reports.types import ReportInput, ReportValidationError


def _home_municipality(user: Any) -> Any:
    """The gemeente of the user's home watch point, to offer its own categories."""
    from samenveilig.communities.models import WatchPoint
    from samenveilig.reports.categories import municipality_of

    home = (
        WatchPoint.objects.filter(user=user, is_home=True, neighbourhood__isnull=False)
        .select_related("neighbourhood__parent__parent")
        .first()
    )
    return municipality_of(home.neighbourhood) if home else None


# Another page's one-step hand-over (a task's checklist item or closing note, TSK-1): the text
# travels in the session, never in the URL, and pre-fills the form once.
PREFILL_SESSION_KEY = "reports.prefill"
PREFILL_FIELDS = ("description", "location_text", "lat", "lon", "observed_at")


# The pre-fill may name where it came from (``"origin": {"kind": "task", "id": 7}``). The form
# carries that as a signed token bound to the user, so the report sent with *this* form is the one
# linked back, and nobody can link a report to something by editing the form.
ORIGIN_SOURCES = {"task": ReportSource.TASK}
ORIGIN_SALT = "samenveilig.reports.prefill-origin"
ORIGIN_MAX_AGE = 24 * 3600


def _prefill(request: HttpRequest) -> tuple[dict[str, Any], str]:
    """The pre-filled initial values (used once) and the signed origin token ("" if none)."""
    data = request.session.pop(PREFILL_SESSION_KEY, None)
    if not isinstance(data, dict):
        return {}, ""
    initial = {key: data[key] for key in PREFILL_FIELDS if data.get(key) not in (None, "")}
    if data.get("category"):
        category = (
            categories_for(_home_municipality(request.user)).filter(code=data["category"]).first()
        )
        if category is not None:
            initial["category"] = category.pk
    origin = data.get("origin")
    token = ""
    if (
        isinstance(origin, dict)
        and origin.get("kind") in ORIGIN_SOURCES
        and isinstance(origin.get("id"), int)
    ):
        token = signing.dumps(
            {"kind": origin["kind"], "id": origin["id"], "user": request.user.pk}, salt=ORIGIN_SALT
        )
    return initial, token


def _origin(request: HttpRequest) -> tuple[dict[str, Any] | None, str]:
    """The origin named by the form's token, if it is genuine, fresh and this user's."""
    token = request.POST.get("origin", "")
    if not token:
        return None, ""
    try:
        data = signing.loads(token, salt=ORIGIN_SALT, max_age=ORIGIN_MAX_AGE)
    except signing.BadSignature:
        return None, ""
    if (
        not isinstance(data, dict)
        or data.get("user") != request.user.pk
        or data.get("kind") not in ORIGIN_SOURCES
    ):
        return None, ""
    return {"kind": data["kind"], "id": data["id"]}, token


def _forms(request: HttpRequest, *, initial: dict[str, Any] | None = None) -> dict[str, Any]:
    bound = request.method == "POST"
    data = request.POST if bound else None
    files = request.FILES if bound else None
    report_form = ReportForm(
        data,
        files,
        categories=categories_for(_home_municipality(request.user)),
        initial=initial or {},
    )
    person_forms = [PersonForm(data, prefix=f"person-{i}") for i in range(MAX_PERSON_FORMS)]
    vehicle_forms = [VehicleForm(data, prefix=f"vehicle-{i}") for i in range(MAX_VEHICLE_FORMS)]
    return {"form": report_form, "person_forms": person_forms, "vehicle_forms": vehicle_forms}


def _to_input(forms: dict[str, Any], request: HttpRequest) -> ReportInput:
    cleaned = forms["form"].cleaned_data
    return ReportInput(
        category=cleaned["category"],
        description=cleaned["description"],
        observed_at=cleaned["observed_at"],
        lat=cleaned.get("lat"),
        lon=cleaned.get("lon"),
        address=forms["form"].address,
        location_text=cleaned.get("location_text") or "",
        happening_now=bool(cleaned.get("happening_now")),
        called_112=bool(cleaned.get("called_112")),
        share_identity=bool(cleaned.get("share_identity")),
        persons=[f.to_dict() for f in forms["person_forms"] if f.is_filled()],
        vehicles=[f.to_dict() for f in forms["vehicle_forms"] if f.is_filled()],
        photos=list(cleaned.get("photos") or []),
    )


def apply_errors(error: ReportValidationError, forms: dict[str, Any]) -> None:
    """Put the service's messages next to the fields they concern.

    The service numbers only the persons and vehicles that were filled in, so ``persons.0`` is
    the first *filled* person form.
    """
    report_form = forms["form"]
    filled = {
        "persons": [f for f in forms["person_forms"] if f.is_filled()],
        "vehicles": [f for f in forms["vehicle_forms"] if f.is_filled()],
    }
    for key, error_messages in error.errors.items():
        parts = key.split(".")
        target, field = report_form, parts[0]
        if parts[0] in filled and len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(filled[parts[0]]):
                target = filled[parts[0]][index]
                field = parts[2] if len(parts) > 2 else "__all__"
        if field == "location":
            field = "lat" if report_form.data.get("lat") and not report_form.address else "postcode"
        for message in error_messages:
            if field in target.fields and field not in ("__all__",):
                if field in target.errors and message in target.errors[field]:
                    continue
                target.add_error(field, message)
            else:
                target.add_error(None, message)


def _client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: a proxy in front must set it (gunicorn --forwarded-allow-ips), so a
    # client cannot dodge the limit with a forged X-Forwarded-For header.
    return request.META.get("REMOTE_ADDR") or None


@login_required
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        danger = request.GET.get("danger")
        if danger == "yes":
            return render(request, "reports/submit/call_112.html")
        if danger != "no":
            return render(request, "reports/submit/danger.html")
        called = request.GET.get("called_112") == "1"
        prefilled, origin_token = _prefill(request)
        initial = {"called_112": called, "happening_now": called, **prefilled}
        forms = _forms(request, initial=initial)
        return render(
            request,
            "reports/submit/form.html",
            {**forms, "quality": None, "origin": origin_token},
        )

    forms = _forms(request)
    origin, origin_token = _origin(request)
    action = request.POST.get("action", "send")
    quality: Quality | None = None
    all_valid = all(
        [
            forms["form"].is_valid(),
            *(f.is_valid() for f in forms["person_forms"]),
            *(f.is_valid() for f in forms["vehicle_forms"]),
        ]
    )
    if all_valid:
        data = _to_input(forms, request)
        try:
            if action == "check":
                quality = report_check(reporter=request.user, data=data)
            else:
                with transaction.atomic():
                    report = report_submit(
                        reporter=request.user,
                        data=data,
                        source=ORIGIN_SOURCES[origin["kind"]] if origin else ReportSource.WEB,
                        ip=_client_ip(request),
                    )
                    if origin:
                        report_made_from.send(
                            sender=report.__class__, report=report, user=request.user, origin=origin
                        )
        except ReportValidationError as error:
            apply_errors(error, forms)
        else:
            if action != "check":
                messages.success(
                    request,
                    _("Thank you. Your report %(reference)s has been sent.")
                    % {"reference": report.reference},
                )
                return redirect("reports:detail", reference=report.reference)
    # A refusal can sit on a person or vehicle only; the page must still say it was not sent.
    has_errors = any(
        f.errors for f in (forms["form"], *forms["person_forms"], *forms["vehicle_forms"])
    )
    return render(
        request,
        "reports/submit/form.html",
        {
            **forms,
            "quality": quality,
            "checked": action == "check",
            "has_errors": has_errors,
            "origin": origin_token,
        },
    )


urlpatterns = [
    path("nieuw/", report_new, name="new"),
]
