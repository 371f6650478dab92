"""Results of a neighbourhood inquiry (INQ-7) and the cocoon watch (INQ-8).

Every page here is for managers of the inquiry: the police of the buurt and the group's
coordinators. A canvasser of the group (who may see the inquiry) gets a 403; anyone else a 404,
so the inquiry's existence is not revealed; anonymous visitors go to the login page.

- ``inquiries:results`` — totals, the victim's door, leads, descriptions, cameras, contacts and a
  table per door. Phone numbers only for the police (``results.user_can_see_contact_details``).
- ``inquiries:results_csv`` / ``results_pdf`` — the same as a download (audited).
- ``inquiries:alert_from_person`` / ``alert_from_vehicle`` — the alerts "new alert" form,
  filled in from one description and rendered here; it posts to ``alerts:new`` like any alert,
  so the police send it and a coordinator's becomes a proposal. Only ids are in the URL.
  For those who may send or propose an alert for the buurt; others 403.
- ``inquiries:leaflet`` — the cocoon leaflet PDF for the doors not reached (``?taal=nl|en``).
- ``inquiries:cocoon`` (POST) — send or propose the cocoon warning.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from samenveilig.alerts import permissions as alert_permissions
from samenveilig.alerts import services as alert_services
from samenveilig.alerts.forms import AlertForm, PersonForm, VehicleForm
from samenveilig.alerts.models import AlertStatus
from samenveilig.alerts.services import AlertValidationError
from samenveilig.alerts.views import police_area_ids, proposing_area_ids, sendable_neighbourhoods
from samenveilig.communities.models import AlertKind
from samenveilig.inquiries import permissions, results, selectors, services_results
from samenveilig.inquiries.models import Inquiry
from samenveilig.inquiries.pdf import leaflet_pdf, results_pdf
from samenveilig.inquiries.services import InquiryActionError

LEAFLET_LANGUAGES = [("nl", "Nederlands"), ("en", "English")]


class LeafletForm(forms.Form):
    taal = forms.ChoiceField(
        label=gettext_lazy("Language of the leaflet"),
        choices=LEAFLET_LANGUAGES,
        initial="nl",
        error_messages={"invalid_choice": gettext_lazy("Choose Nederlands or English.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("use_required_attribute", False)
        kwargs.setdefault("auto_id", "leaflet_%s")
        super().__init__(*args, **kwargs)


def _managed_inquiry(request: HttpRequest, reference: str) -> Inquiry:
    user = request.user
    inquiry = (
        selectors.inquiries_visible_to(user)
        .select_related("victim_address", "cocoon_alert", "report", "neighbourhood__parent__parent")
        .filter(reference=reference)
        .first()
    )
    if inquiry is None or not permissions.user_can_see_inquiry(user, inquiry):
        raise Http404
    if not permissions.user_can_manage_inquiry(user, inquiry):
        raise PermissionDenied
    return inquiry


def may_alert(user: Any, inquiry: Inquiry) -> bool:
    """Police of the buurt (they send), or a coordinator where the municipality lets
    coordinators propose alerts for the buurt (alerts.views.proposing_area_ids)."""
    area = inquiry.neighbourhood_id
    return alert_permissions.police_covers(user, {area}) or area in proposing_area_ids(user)


def _cocoon_state(user: Any, inquiry: Inquiry) -> dict[str, Any]:
    alert = inquiry.cocoon_alert
    municipality = selectors.municipality_of(inquiry.neighbourhood)
    state: dict[str, Any] = {
        "alert": alert,
        "active": False,
        "label": "",
        "url": "",
        # How long a new warning runs here: the municipality's adopted near-repeat days (NRA-2).
        "days": alert_services.default_validity(AlertKind.COCOON, municipality).days,
    }
    if alert is None:
        return state
    state["active"] = services_results.cocoon_is_active(alert)
    if alert.status == AlertStatus.SENT and alert.is_expired():
        state["label"] = _("Ended")
    else:
        state["label"] = alert.get_status_display()
    if alert_permissions.can_manage(user, alert):
        state["url"] = reverse("alerts:detail", args=[alert.reference])
    return state


def _results_page(
    request: HttpRequest, inquiry: Inquiry, *, leaflet_form: LeafletForm | None = None, status=200
) -> HttpResponse:
    user = request.user
    computed = results.inquiry_results(inquiry, viewer=user)
    return render(
        request,
        "inquiries/results.html",
        {
            "inquiry": inquiry,
            "results": computed,
            "totals": computed.totals,
            "may_alert": may_alert(user, inquiry),
            "is_police": alert_permissions.police_covers(user, {inquiry.neighbourhood_id}),
            "cocoon": _cocoon_state(user, inquiry),
            "leaflet_form": leaflet_form or LeafletForm(),
            "leaflet_count": len(computed.leaflet_doors),
        },
        status=status,
    )


@login_required
@require_GET
def inquiry_results(request: HttpRequest, reference: str) -> HttpResponse:
    return _results_page(request, _managed_inquiry(request, reference))


def _download(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Personal data: no copy in a shared cache or the browser's.
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@require_GET
def results_csv(request: HttpRequest, reference: str) -> HttpResponse:
    inquiry = _managed_inquiry(request, reference)
    computed = results.inquiry_results(inquiry, viewer=request.user)
    services_results.results_exported(
        actor=request.user,
        inquiry=inquiry,
        fmt="csv",
        rows=len(computed.all_doors()),
        phones=computed.shows_phone,
    )
    # A byte order mark so spreadsheet programs read the accents as UTF-8.
    body = "\ufeff" + results.results_csv(computed)
    return _download(
        body.encode("utf-8"),
        "text/csv; charset=utf-8",
        f"buurtonderzoek-{inquiry.reference}-resultaten.csv",
    )


@login_required
@require_GET
def results_pdf_download(request: HttpRequest, reference: str) -> HttpResponse:
    inquiry = _managed_inquiry(request, reference)
    computed = results.inquiry_results(inquiry, viewer=request.user)
    services_results.results_exported(
        actor=request.user,
        inquiry=inquiry,
        fmt="pdf",
        rows=len(computed.all_doors()),
        phones=computed.shows_phone,
    )
    return _download(
        results_pdf(computed),
        "application/pdf",
        f"buurtonderzoek-{inquiry.reference}-resultaten.pdf",
    )


def report_page_url(request: HttpRequest) -> str:
    path = reverse("reports:new")
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/") + path
    return request.build_absolute_uri(path)


@login_required
@require_GET
def leaflet(request: HttpRequest, reference: str) -> HttpResponse:
    inquiry = _managed_inquiry(request, reference)
    form = LeafletForm(request.GET or {"taal": "nl"})
    if not form.is_valid():
        return _results_page(request, inquiry, leaflet_form=form, status=400)
    language = form.cleaned_data["taal"]
    computed = results.inquiry_results(inquiry, viewer=request.user)
    doors = computed.leaflet_doors
    if not doors:
        messages.info(request, _("Every address has been reached: no leaflets are needed."))
        return redirect(reverse("inquiries:results", args=[inquiry.reference]) + "#cocoon")
    services_results.leaflets_exported(
        actor=request.user, inquiry=inquiry, addresses=len(doors), language=language
    )
    return _download(
        leaflet_pdf(inquiry, doors, language=language, report_url=report_page_url(request)),
        "application/pdf",
        f"buurtonderzoek-{inquiry.reference}-folder-{language}.pdf",
    )


@require_POST
@login_required
def cocoon_warning(request: HttpRequest, reference: str) -> HttpResponse:
    inquiry = _managed_inquiry(request, reference)
    if not may_alert(request.user, inquiry):
        raise PermissionDenied
    try:
        alert = services_results.cocoon_warning_send(actor=request.user, inquiry=inquiry)
    except InquiryActionError as error:
        messages.error(request, error.message)
    except AlertValidationError as error:
        messages.error(request, " ".join(m for ms in error.errors.values() for m in ms))
    else:
        if alert.status == AlertStatus.SENT:
            messages.success(
                request,
                _("The cocoon warning %(reference)s has been sent to the members nearby.")
                % {"reference": alert.reference},
            )
        else:
            messages.success(
                request,
                _("The cocoon warning %(reference)s waits for approval by the police.")
                % {"reference": alert.reference},
            )
    return redirect(reverse("inquiries:results", args=[inquiry.reference]) + "#cocoon")


def _alert_form_page(
    request: HttpRequest, inquiry: Inquiry, visit_id: str, person_number: str | None
) -> HttpResponse:
    user = request.user
    if not may_alert(user, inquiry):
        raise PermissionDenied
    door = results.door_for_visit(inquiry, int(visit_id), viewer=user)
    if door is None:
        raise Http404
    person = None
    if person_number is not None:
        person = next((p for p in door.persons if p.number == int(person_number)), None)
        if person is None:
            raise Http404
    elif door.vehicle is None:
        raise Http404
    draft = results.alert_draft(inquiry, door, person=person)
    report = inquiry.report
    if report is not None and permissions.user_can_handle_as_police(user, report):
        draft["alert"]["source_report"] = report.reference
    form = AlertForm(
        neighbourhoods=sendable_neighbourhoods(user),
        allow_photo=bool(police_area_ids(user)),
        initial=draft["alert"],
    )
    messages.info(
        request,
        _(
            "Filled in from a description in neighbourhood inquiry %(reference)s. Check every "
            "field: the canvass form has one field for clothing, copied into “top”. Nothing is "
            "sent until you press the button."
        )
        % {"reference": inquiry.reference},
    )
    return render(
        request,
        "alerts/new.html",
        {
            "form": form,
            "person_form": PersonForm(prefix="person", initial=draft["person"]),
            "vehicle_form": VehicleForm(prefix="vehicle", initial=draft["vehicle"]),
            "source_report": None,
            "is_police": bool(police_area_ids(user)),
            "reach": None,
        },
    )


@login_required
@require_GET
def alert_from_person(
    request: HttpRequest, reference: str, visit_id: str, person: str
) -> HttpResponse:
    return _alert_form_page(request, _managed_inquiry(request, reference), visit_id, person)


@login_required
@require_GET
def alert_from_vehicle(request: HttpRequest, reference: str, visit_id: str) -> HttpResponse:
    return _alert_form_page(request, _managed_inquiry(request, reference), visit_id, None)
