"""Pages of alerts (ALR-1…ALR-6).

- ``alerts:new`` — police, and coordinators where the municipality's ``AlertPolicy`` allows it
  (they propose; police approve). Others 403. "Preview" shows how many members the alert will
  reach and saves nothing; "Send" creates it.
- ``alerts:sent`` — police: the alerts of their jurisdiction; coordinators: their proposals.
- ``alerts:approvals`` / ``alerts:decide`` — police approve or reject proposals of their area.
- ``alerts:detail`` — a recipient (an inbox delivery) reads it; the police of the area and the
  proposing coordinator manage it (progress, tips, end). Anyone else gets a 404, so a member
  never learns of an alert outside their area. After expiry or the end the description and the
  photo are not rendered for recipients (ALR-6).
- ``alerts:progress`` — the live progress fragment (htmx polling; without JS a reload link).
- ``alerts:tip`` — "Ik heb iets gezien": a report linked to the alert (ALR-5).
- ``alerts:inbox`` / ``alerts:settings`` — the member's alerts and channel choices, Web Push
  registration (``alerts:sw``, ``alerts:push_subscribe``, ``alerts:push_unsubscribe``).
"""

from __future__ import annotations

import base64
import binascii
import json
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samenveilig.accounts.models import Role
from samenveilig.accounts.roles import jurisdiction_area_ids
from samenveilig.alerts import fanout, permissions, services
from samenveilig.alerts.channels.email import alert_url
from samenveilig.alerts.forms import (
    AlertForm,
    ChannelPreferenceForm,
    ConcernForm,
    ConcernHandleForm,
    DecisionForm,
    EndForm,
    PersonForm,
    TipForm,
    VehicleForm,
    alert_initial_from_report,
    description_initial,
)
from samenveilig.alerts.models import (
    Alert,
    AlertConcern,
    AlertPolicy,
    AlertStatus,
    Channel,
    ChannelPreference,
    Delivery,
    Purpose,
    PushSubscription,
)
from samenveilig.alerts.signalement import as_text, describe_person, describe_vehicle
from samenveilig.alerts.vapid import vapid_keys
from samenveilig.areas.models import Area, AreaLevel
from samenveilig.areas.selectors import area_ids_within
from samenveilig.communities.models import (
    CommunityKind,
    Membership,
    MembershipRole,
    MembershipStatus,
)
from samenveilig.core.models import AuditEvent
from samenveilig.reports.forms import PERSON_FIELD_ORDER, SEX_CHOICES, VEHICLE_FIELD_ORDER

INBOX_LIMIT = 100
LIST_LIMIT = 200
PROGRESS_POLL_SECONDS = 5


# --- the description in the reader's words --------------------------------------------------------


def _readable_person(person: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored person with the sex as a word of the reader's language, not a code."""
    if not person or not person.get("sex"):
        return person
    labels = {value: str(label) for value, label in SEX_CHOICES if value}
    return {**person, "sex": labels.get(person["sex"], person["sex"])}


def person_lines(alert: Alert) -> list[tuple[str, str]]:
    return describe_person(_readable_person(alert.person))


def description_lines(alert: Alert) -> list[tuple[str, str]]:
    return person_lines(alert) + describe_vehicle(alert.vehicle)


def alert_text(alert: Alert) -> str:
    """``signalement.as_text`` with the readable person."""
    return as_text(
        SimpleNamespace(
            title=alert.title,
            person=_readable_person(alert.person),
            vehicle=alert.vehicle,
            message=alert.message,
        )
    )


# --- who may send ---------------------------------------------------------------------------------


def _municipality_id(area: Area) -> int:
    current = area
    while current.parent_id is not None and current.level != AreaLevel.MUNICIPALITY:
        current = current.parent
    return current.pk


def proposing_area_ids(user: Any) -> set[int]:
    """Areas (with everything inside) of the active communities the user coordinates in a
    municipality that lets coordinators propose alerts."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_alert_proposing_areas", None)
    if cached is not None:
        return cached
    allowed = set(
        AlertPolicy.objects.filter(coordinators_may_propose=True).values_list(
            "municipality_id", flat=True
        )
    )
    roots: set[int] = set()
    if allowed:
        memberships = Membership.objects.filter(
            user=user,
            status=MembershipStatus.VERIFIED,
            role=MembershipRole.COORDINATOR,
            community__is_active=True,
        ).prefetch_related("community__areas__parent__parent")
        for membership in memberships:
            for area in membership.community.areas.all():
                if _municipality_id(area) in allowed:
                    roots.add(area.pk)
    cached = area_ids_within(roots) if roots else set()
    user._alert_proposing_areas = cached
    return cached


def police_area_ids(user: Any) -> set[int]:
    if not permissions.is_police_anywhere(user):
        return set()
    return jurisdiction_area_ids(user, Role.POLICE)


def may_send(user: Any) -> bool:
    """Police anywhere, or a coordinator allowed to propose somewhere (ALR-1)."""
    return bool(police_area_ids(user) or proposing_area_ids(user))


def sendable_neighbourhoods(user: Any) -> QuerySet[Area]:
    ids = police_area_ids(user) | proposing_area_ids(user)
    return (
        Area.objects.filter(pk__in=ids, level=AreaLevel.NEIGHBOURHOOD)
        .select_related("parent")
        .order_by("parent__name", "name")
    )


def _require_sender(request: HttpRequest) -> None:
    if not may_send(request.user):
        raise PermissionDenied


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


# --- the create form ------------------------------------------------------------------------------


def _source_report(user: Any, reference: str) -> Any:
    """The report an alert starts from, if the officer may handle it (reports' own rule)."""
    from samenveilig.reports.permissions import user_can_handle_report
    from samenveilig.reports.selectors import handled_report_or_none

    if not reference:
        return None
    report = handled_report_or_none(user, reference)
    if report is None or not user_can_handle_report(user, report):
        return None
    return report


def _create_forms(request: HttpRequest, *, initial: dict[str, Any] | None = None) -> dict:
    bound = request.method == "POST"
    data = request.POST if bound else None
    files = request.FILES if bound else None
    initial = initial or {}
    form = AlertForm(
        data,
        files,
        neighbourhoods=sendable_neighbourhoods(request.user),
        allow_photo=bool(police_area_ids(request.user)),
        initial=initial.get("alert", {}),
    )
    person_form = PersonForm(data, prefix="person", initial=initial.get("person", {}))
    vehicle_form = VehicleForm(data, prefix="vehicle", initial=initial.get("vehicle", {}))
    return {"form": form, "person_form": person_form, "vehicle_form": vehicle_form}


def _alert_input(forms_: dict, report: Any) -> services.AlertInput:
    form = forms_["form"]
    cleaned = form.cleaned_data
    lat, lon = form.place()
    person_form, vehicle_form = forms_["person_form"], forms_["vehicle_form"]
    return services.AlertInput(
        kind=cleaned["kind"],
        title=cleaned["title"],
        message=cleaned.get("message") or "",
        person=person_form.to_dict() if person_form.is_filled() else None,
        vehicle=vehicle_form.to_dict() if vehicle_form.is_filled() else None,
        photo=cleaned.get("photo") or None,
        lat=lat,
        lon=lon,
        radius_m=cleaned.get("radius_m"),
        area_ids=[a.pk for a in cleaned.get("areas") or []],
        valid_until=cleaned.get("valid_until"),
        source_report=report,
    )


def _apply_errors(errors: dict[str, list[str]], forms_: dict) -> None:
    """Put the service's messages next to the fields they concern."""
    form = forms_["form"]
    for key, error_messages in errors.items():
        head, _dot, rest = key.partition(".")
        target, field = form, key
        if head in ("person", "vehicle"):
            target = forms_[f"{head}_form"]
            field = rest or "__all__"
        elif key == "location":
            field = "lat" if form.data.get("lat") else "postcode"
        for message in error_messages:
            if field in target.fields:
                if message not in target.errors.get(field, []):
                    target.add_error(field, message)
            else:
                target.add_error(None, message)


def _may_send_here(user: Any, checked: services.CheckedAlert) -> bool:
    if permissions.police_covers(user, checked.area_ids):
        return True
    return bool(
        permissions.coordinated_communities_covering(user, checked.area_ids)
    ) and permissions.coordinators_may_propose(checked.municipality.pk)


def _outside_message() -> str:
    return _("You can only send alerts for the area you are responsible for.")


@login_required
@require_http_methods(["GET", "POST"])
def alert_new(request: HttpRequest) -> HttpResponse:
    _require_sender(request)
    user = request.user
    is_police = bool(police_area_ids(user))
    if request.method == "GET":
        initial: dict[str, Any] = {"alert": {}}
        report = _source_report(user, request.GET.get("report", "").strip())
        if report is not None:
            initial["alert"] = alert_initial_from_report(report)
            initial["person"] = description_initial(report.persons.first(), PERSON_FIELD_ORDER)
            initial["vehicle"] = description_initial(report.vehicles.first(), VEHICLE_FIELD_ORDER)
        forms_ = _create_forms(request, initial=initial)
        return render(
            request,
            "alerts/new.html",
            {**forms_, "source_report": report, "is_police": is_police, "reach": None},
        )

    forms_ = _create_forms(request)
    action = request.POST.get("action", "send")
    reach: int | None = None
    report = None
    valid = all(f.is_valid() for f in forms_.values())
    if valid:
        reference = forms_["form"].cleaned_data.get("source_report") or ""
        report = _source_report(user, reference)
        if reference and report is None:
            forms_["form"].add_error(None, _("This report cannot be used for an alert."))
            valid = False
    if valid:
        data = _alert_input(forms_, report)
        try:
            checked = services.check_alert(data, actor=user)
            if not _may_send_here(user, checked):
                raise services.AlertValidationError({"location": [_outside_message()]})
            if action == "preview":
                reach = services.alert_reach(data)
            else:
                alert = services.alert_create(actor=user, data=data)
        except services.AlertValidationError as error:
            _apply_errors(error.errors, forms_)
        except PermissionDenied:
            _apply_errors({"location": [_outside_message()]}, forms_)
        else:
            if action != "preview":
                if alert.status == AlertStatus.SENT:
                    messages.success(
                        request,
                        _("Alert %(reference)s has been sent.") % {"reference": alert.reference},
                    )
                else:
                    messages.success(
                        request,
                        _(
                            "Your proposal %(reference)s waits for police approval. You see "
                            "the decision under Sent alerts."
                        )
                        % {"reference": alert.reference},
                    )
                return redirect("alerts:detail", reference=alert.reference)
    has_errors = any(f.errors for f in forms_.values())
    return render(
        request,
        "alerts/new.html",
        {
            **forms_,
            "source_report": report,
            "is_police": is_police,
            "reach": reach,
            "has_errors": has_errors,
            "previewed": action == "preview",
        },
    )


# --- sender lists ---------------------------------------------------------------------------------


def _in_areas(area_ids: set[int]) -> Q:
    return Q(centre_neighbourhood_id__in=area_ids) | Q(areas__id__in=area_ids)


@login_required
@require_GET
def alert_sent(request: HttpRequest) -> HttpResponse:
    user = request.user
    police_ids = police_area_ids(user)
    is_coordinator = permissions.is_coordinator_anywhere(user)
    if not police_ids and not is_coordinator:
        raise PermissionDenied
    scope = Q(created_by=user)
    if police_ids:
        scope |= _in_areas(police_ids)
    alerts = list(
        Alert.objects.filter(scope)
        .distinct()
        .select_related("centre_neighbourhood", "community")
        .order_by("-created_at", "-id")[:LIST_LIMIT]
    )
    now = timezone.now()
    ended = ended_alert_ids(alerts)
    for alert in alerts:
        alert.state_label = _state_label(alert, now, ended)  # type: ignore[attr-defined]
    return render(
        request,
        "alerts/sent.html",
        {"alerts": alerts, "is_police": bool(police_ids), "may_send": may_send(user)},
    )


def _pending_for(user: Any) -> list[Alert]:
    police_ids = police_area_ids(user)
    if not police_ids:
        return []
    candidates = (
        Alert.objects.filter(_in_areas(police_ids), status=AlertStatus.PENDING_APPROVAL)
        .distinct()
        .select_related("centre_neighbourhood", "community", "created_by")
        .order_by("created_at", "id")
    )
    return [a for a in candidates if permissions.can_decide(user, a)]


def _approvals_page(
    request: HttpRequest, *, bound: tuple[int, DecisionForm] | None = None
) -> HttpResponse:
    if not police_area_ids(request.user):
        raise PermissionDenied
    rows = []
    for alert in _pending_for(request.user):
        form = (
            bound[1] if bound and bound[0] == alert.pk else DecisionForm(auto_id=f"a{alert.pk}_%s")
        )
        rows.append(
            {
                "alert": alert,
                "form": form,
                "lines": description_lines(alert),
                "expired": alert.is_expired(),
            }
        )
    return render(request, "alerts/approvals.html", {"rows": rows}, status=200)


@login_required
@require_GET
def alert_approvals(request: HttpRequest) -> HttpResponse:
    return _approvals_page(request)


def _alert_or_404(reference: str) -> Alert:
    alert = (
        Alert.objects.select_related("centre_neighbourhood", "municipality", "community")
        .filter(reference=reference)
        .first()
    )
    if alert is None:
        raise Http404
    return alert


@login_required
@require_POST
def alert_decide(request: HttpRequest, reference: str) -> HttpResponse:
    if not police_area_ids(request.user):
        raise PermissionDenied
    alert = _alert_or_404(reference)
    if not permissions.can_decide(request.user, alert):
        raise Http404
    form = DecisionForm(request.POST, auto_id=f"a{alert.pk}_%s")
    if not form.is_valid():
        return _approvals_page(request, bound=(alert.pk, form))
    try:
        if form.cleaned_data["decision"] == "approve":
            services.alert_approve(actor=request.user, alert=alert)
            messages.success(
                request,
                _("Alert %(reference)s has been approved and sent.")
                % {"reference": alert.reference},
            )
        else:
            services.alert_reject(
                actor=request.user, alert=alert, note=form.cleaned_data.get("note") or ""
            )
            messages.success(
                request,
                _("Proposal %(reference)s has been rejected; the coordinator reads your note.")
                % {"reference": alert.reference},
            )
    except services.AlertValidationError as error:
        for key, error_messages in error.errors.items():
            for message in error_messages:
                form.add_error(key if key in form.fields else None, message)
        return _approvals_page(request, bound=(alert.pk, form))
    except services.AlertActionError as error:
        messages.error(request, error.message)
    return redirect("alerts:approvals")


# --- one alert ------------------------------------------------------------------------------------


def _was_ended(alert: Alert) -> bool:
    if alert.closed_at is not None or alert.status == AlertStatus.WITHDRAWN:
        return True
    return AuditEvent.objects.filter(
        object_type=Alert._meta.label_lower, object_id=str(alert.pk), action="alerts.ended"
    ).exists()


def ended_alert_ids(alerts: list[Alert]) -> set[int]:
    """Of these alerts, the ones ended early by their sender (one query for a whole list)."""
    ids = [str(a.pk) for a in alerts]
    if not ids:
        return set()
    return {
        int(pk)
        for pk in AuditEvent.objects.filter(
            object_type=Alert._meta.label_lower, object_id__in=ids, action="alerts.ended"
        ).values_list("object_id", flat=True)
    }


def _state(alert: Alert, now: Any = None, ended: set[int] | None = None) -> str:
    """``live``, ``pending``, ``rejected``, ``ended`` or ``expired``; ``ended`` (from
    ``ended_alert_ids``) saves a query per alert on lists."""
    if alert.status == AlertStatus.PENDING_APPROVAL:
        return "expired" if alert.is_expired(now) else "pending"
    if alert.status == AlertStatus.REJECTED:
        return "rejected"
    if alert.status == AlertStatus.WITHDRAWN:
        return "ended"
    if not alert.is_expired(now):
        return "live"
    if ended is not None:
        return "ended" if alert.pk in ended or alert.closed_at is not None else "expired"
    return "ended" if _was_ended(alert) else "expired"


def _state_label(alert: Alert, now: Any = None, ended: set[int] | None = None) -> str:
    return {
        "live": _("Active"),
        "pending": _("Waiting for police approval"),
        "rejected": _("Not approved"),
        "ended": _("Ended"),
        "expired": _("Expired"),
    }[_state(alert, now, ended)]


def _whatsapp(user: Any, alert: Alert) -> dict[str, str] | None:
    """The ready-formatted text for a WhatsApp group's coordinator (ALR-4), while live."""
    if not alert.is_live:
        return None
    communities = [
        c
        for c in permissions.coordinated_communities_covering(
            user, permissions.alert_area_ids(alert)
        )
        if c.kind == CommunityKind.WHATSAPP_GROUP
    ]
    if not communities:
        return None
    until = formats.date_format(timezone.localtime(alert.expires_at), "DATETIME_FORMAT")
    text = "\n\n".join(
        [
            f"{alert.get_kind_display()}: {alert_text(alert)}",
            _("Valid until %(until)s.") % {"until": until},
            _("Seen something? Tell the police via %(link)s or call 112 in an emergency.")
            % {"link": alert_url(alert)},
        ]
    )
    return {
        "text": text,
        "link": "https://wa.me/?text=" + quote(text, safe=""),
        "groups": ", ".join(c.name for c in communities),
    }


def _progress_context(alert: Alert) -> dict[str, Any]:
    rows = fanout.progress(alert)
    closing = fanout.progress(alert, Purpose.CLOSING) if alert.closed_at else []
    labels = dict(Channel.choices)
    waiting = any(r.pending for r in rows) or any(r.pending for r in closing)
    return {
        "alert": alert,
        "progress_rows": [{"row": r, "label": labels.get(r.channel, r.channel)} for r in rows],
        "closing_rows": [{"row": r, "label": labels.get(r.channel, r.channel)} for r in closing],
        "recipients": next((r.total for r in rows if r.channel == Channel.INBOX), 0),
        "poll": waiting or (alert.status == AlertStatus.SENT and not rows and alert.is_live),
        "poll_seconds": PROGRESS_POLL_SECONDS,
        "checked_at": timezone.now(),
    }


def _tips(user: Any, alert: Alert) -> list[dict[str, Any]]:
    from samenveilig.reports.categories import category_name
    from samenveilig.reports.models import Report
    from samenveilig.reports.permissions import user_can_handle_report

    tips = (
        Report.objects.filter(related_alert_id=alert.pk)
        .select_related("category", "neighbourhood")
        .order_by("-submitted_at")[:LIST_LIMIT]
    )
    return [
        {
            "report": tip,
            "category": category_name(tip.category),
            "can_handle": user_can_handle_report(user, tip),
        }
        for tip in tips
    ]


@login_required
@require_GET
def alert_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _detail_page(request, _alert_or_404(reference))


def _detail_page(
    request: HttpRequest, alert: Alert, *, concern_form: ConcernForm | None = None, status=200
) -> HttpResponse:
    user = request.user
    manager = permissions.can_manage(user, alert)
    delivery = permissions.received(user, alert)
    if not manager and delivery is None:
        raise Http404
    if delivery is not None:
        services.mark_read(user=user, delivery=delivery)
    state = _state(alert)
    live = state == "live"
    # Recipients read the description only while the alert is live; senders also while it
    # waits for approval and afterwards until the purge, marked as no longer shown (ALR-6).
    show_description = live or (manager and alert.purged_at is None)
    context: dict[str, Any] = {
        "alert": alert,
        "state": state,
        "state_label": _state_label(alert),
        "manager": manager,
        "recipient": delivery is not None,
        "show_description": show_description,
        "person_lines": person_lines(alert) if show_description else [],
        "vehicle_lines": describe_vehicle(alert.vehicle) if show_description else [],
        "has_photo": bool(alert.photo) and show_description,
        "areas": list(alert.areas.order_by("name")),
        "whatsapp": _whatsapp(user, alert),
        "can_tip": delivery is not None and live,
    }
    if delivery is not None:
        mine = AlertConcern.objects.filter(alert=alert, raised_by=user).first()
        context["my_concern"] = mine
        if mine is None and alert.purged_at is None:
            context["concern_form"] = concern_form or ConcernForm()
    if manager:
        context.update(_progress_context(alert))
        context["tips"] = _tips(user, alert)
        context["concerns"] = list(alert.concerns.all())
        context["can_end"] = alert.status == AlertStatus.SENT and alert.closed_at is None
        context["end_form"] = EndForm()
        context["can_decide"] = (
            alert.status == AlertStatus.PENDING_APPROVAL and permissions.can_decide(user, alert)
        )
    return render(request, "alerts/detail.html", context, status=status)


@login_required
@require_POST
def alert_concern(request: HttpRequest, reference: str) -> HttpResponse:
    """A recipient reports a problem with the alert (REP-10); others get a 404."""
    alert = _alert_or_404(reference)
    if permissions.received(request.user, alert) is None:
        raise Http404
    form = ConcernForm(request.POST)
    if form.is_valid():
        try:
            services.concern_raise(
                actor=request.user,
                alert=alert,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except services.AlertValidationError as error:
            for field, field_messages in error.errors.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        except services.AlertActionError as error:
            messages.error(request, error.message)
            return redirect("alerts:detail", reference=alert.reference)
        else:
            messages.success(
                request, _("Thank you. The police of the area will look at your report.")
            )
            return redirect("alerts:detail", reference=alert.reference)
    return _detail_page(request, alert, concern_form=form, status=400)


@login_required
@require_POST
def alert_concern_handle(request: HttpRequest, reference: str, concern_id: int) -> HttpResponse:
    """A manager of the alert keeps it or ends it in answer to a reported problem."""
    alert = _alert_or_404(reference)
    if not permissions.can_manage(request.user, alert):
        raise Http404
    concern = get_object_or_404(AlertConcern, pk=concern_id, alert=alert)
    form = ConcernHandleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to keep or to end the alert."))
        return redirect("alerts:detail", reference=alert.reference)
    try:
        services.concern_handle(
            actor=request.user,
            concern=concern,
            end_alert=form.cleaned_data["decision"] == "end",
            note=form.cleaned_data["note"],
        )
    except (services.AlertActionError, services.AlertValidationError) as error:
        messages.error(request, getattr(error, "message", str(error)))
    else:
        messages.success(request, _("The report is answered."))
    return redirect("alerts:detail", reference=alert.reference)


@login_required
@require_GET
def alert_progress(request: HttpRequest, reference: str) -> HttpResponse:
    alert = _alert_or_404(reference)
    if not permissions.can_manage(request.user, alert):
        raise Http404
    return render(request, "alerts/partials/progress.html", _progress_context(alert))


@login_required
@require_GET
def alert_photo(request: HttpRequest, reference: str) -> HttpResponse:
    alert = _alert_or_404(reference)
    user = request.user
    manager = permissions.can_manage(user, alert)
    allowed = manager or (permissions.received(user, alert) is not None and alert.is_live)
    if not allowed or not alert.photo:
        raise Http404
    try:
        handle = alert.photo.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_POST
def alert_end(request: HttpRequest, reference: str) -> HttpResponse:
    alert = _alert_or_404(reference)
    if not permissions.can_manage(request.user, alert):
        raise Http404
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            services.alert_end(
                actor=request.user,
                alert=alert,
                closing_message=form.cleaned_data.get("closing_message") or "",
            )
        except services.AlertValidationError as error:
            for message in error.errors.get("closing_message", []):
                messages.error(request, message)
        except services.AlertActionError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("The alert has ended; its description is no longer shown to anyone.")
                if not form.cleaned_data.get("closing_message")
                else _("The alert has ended and the closing message is on its way."),
            )
    else:
        for error_messages in form.errors.values():
            for message in error_messages:
                messages.error(request, message)
    return redirect("alerts:detail", reference=alert.reference)


# --- tips (ALR-5) ---------------------------------------------------------------------------------

TIP_FIELD_FOR = {"description": "notes", "location": "postcode"}


@login_required
@require_http_methods(["GET", "POST"])
def alert_tip(request: HttpRequest, reference: str) -> HttpResponse:
    alert = _alert_or_404(reference)
    if permissions.received(request.user, alert) is None:
        raise Http404
    live = alert.is_live
    form = TipForm(request.POST or None) if live else None
    if request.method == "POST" and form is not None and form.is_valid():
        lat, lon = (
            (form.cleaned_data["lat"], form.cleaned_data["lon"])
            if form.cleaned_data.get("lat") is not None
            else (None, None)
        )
        try:
            report = services.alert_tip(
                actor=request.user,
                alert=alert,
                notes=form.cleaned_data["notes"],
                observed_at=form.cleaned_data["observed_at"],
                lat=lat,
                lon=lon,
                address=form.address if lat is None else None,
                ip=_client_ip(request),
            )
        except services.AlertValidationError as error:
            for key, error_messages in error.errors.items():
                field = TIP_FIELD_FOR.get(key, key)
                if field == "postcode" and form.data.get("lat"):
                    field = "lat"
                for message in error_messages:
                    form.add_error(field if field in form.fields else None, message)
        except services.AlertActionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Thank you. Your tip has reached the police as report %(reference)s. "
                    "Follow it here."
                )
                % {"reference": report.reference},
            )
            return redirect("reports:detail", reference=report.reference)
    return render(
        request,
        "alerts/tip.html",
        {"alert": alert, "form": form, "live": live, "has_errors": bool(form and form.errors)},
    )


# --- the member's side ----------------------------------------------------------------------------


@login_required
@require_GET
def alert_inbox(request: HttpRequest) -> HttpResponse:
    deliveries = list(
        Delivery.objects.filter(user=request.user, channel=Channel.INBOX, purpose=Purpose.ALERT)
        .select_related("alert", "alert__centre_neighbourhood")
        .order_by("-created_at", "-id")[:INBOX_LIMIT]
    )
    now = timezone.now()
    closed_read = set(
        Delivery.objects.filter(
            user=request.user,
            channel=Channel.INBOX,
            purpose=Purpose.CLOSING,
            alert_id__in=[d.alert_id for d in deliveries],
        ).values_list("alert_id", flat=True)
    )
    items = []
    ended = ended_alert_ids([d.alert for d in deliveries])
    for delivery in deliveries:
        alert = delivery.alert
        state = _state(alert, now, ended)
        items.append(
            {
                "alert": alert,
                "delivery": delivery,
                "state": state,
                "state_label": _state_label(alert, now, ended),
                "unread": delivery.read_at is None,
                "lines": (description_lines(alert) if state == "live" else []),
                "closing": alert.closing_message if alert.pk in closed_read else "",
            }
        )
    from samenveilig.communities.selectors import verified_community_ids

    return render(
        request,
        "alerts/inbox.html",
        {
            "items": items,
            "unread": sum(1 for i in items if i["unread"]),
            "is_member": bool(verified_community_ids(request.user)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def alert_settings(request: HttpRequest) -> HttpResponse:
    preference = ChannelPreference.objects.filter(user=request.user).first()
    initial = {
        "email": preference.email if preference else True,
        "push": preference.push if preference else True,
    }
    form = ChannelPreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        ChannelPreference.objects.update_or_create(
            user=request.user,
            defaults={"email": form.cleaned_data["email"], "push": form.cleaned_data["push"]},
        )
        messages.success(request, _("Your choices have been saved."))
        return redirect("alerts:settings")
    keys = vapid_keys()
    return render(
        request,
        "alerts/settings.html",
        {
            "form": form,
            "vapid_public_key": keys.public_key if keys else "",
            "push_count": PushSubscription.objects.filter(user=request.user).count(),
        },
    )


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The Web Push service worker, served under /signalementen/ so its scope covers the alert
    pages (a worker's scope cannot be wider than its own path without this header)."""
    path = finders.find("alerts/sw.js")
    if not path:  # pragma: no cover - the file ships with the app
        raise Http404
    with open(path, encoding="utf-8") as handle:
        body = handle.read()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("alerts:inbox")
    response["Cache-Control"] = "no-cache"
    return response


def _b64url_bytes(value: Any) -> bytes | None:
    if not isinstance(value, str) or not value or len(value) > 200:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def _json_error(detail: str, errors: dict[str, str], status: int = 400) -> JsonResponse:
    return JsonResponse(
        {"detail": detail, "errors": [{"field": k, "message": v} for k, v in errors.items()]},
        status=status,
    )


def _read_json(request: HttpRequest) -> dict[str, Any] | None:
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # JSON spells NUL \u0000; the NUL guard of the middleware reads only application/json
    # bodies, and PostgreSQL cannot store the character (a 500).
    if "\\u0000" in text:
        return None
    try:
        data = json.loads(text or "null")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


_https = URLValidator(schemes=["https"])


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> HttpResponse:
    """Store the browser's PushSubscription JSON: ``{"endpoint", "keys": {"p256dh", "auth"}}``."""
    data = _read_json(request)
    if data is None:
        return _json_error(_("Send the subscription as JSON."), {"__all__": _("Not JSON.")})
    errors: dict[str, str] = {}
    endpoint = data.get("endpoint")
    try:
        if not isinstance(endpoint, str) or len(endpoint) > 1000:
            raise ValidationError("bad")
        _https(endpoint)
    except ValidationError:
        errors["endpoint"] = _("The push service address must be an https URL.")
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    p256dh = _b64url_bytes(keys.get("p256dh"))
    if p256dh is None or len(p256dh) != 65 or p256dh[0] != 4:
        errors["keys.p256dh"] = _("The browser's public key is not valid.")
    auth = _b64url_bytes(keys.get("auth"))
    if auth is None or len(auth) != 16:
        errors["keys.auth"] = _("The browser's authentication secret is not valid.")
    if errors:
        return _json_error(_("This push subscription cannot be used."), errors)
    PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": request.user, "p256dh": keys["p256dh"], "auth": keys["auth"]},
    )
    return JsonResponse({"detail": _("Push notifications are on for this browser.")}, status=201)


@login_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> HttpResponse:
    data = _read_json(request)
    endpoint = data.get("endpoint") if data else None
    if not isinstance(endpoint, str) or not endpoint:
        return _json_error(
            _("Say which subscription to remove."), {"endpoint": _("Give the endpoint.")}
        )
    deleted, _rows = PushSubscription.objects.filter(user=request.user, endpoint=endpoint).delete()
    return JsonResponse(
        {"detail": _("Push notifications are off for this browser."), "removed": deleted}
    )
