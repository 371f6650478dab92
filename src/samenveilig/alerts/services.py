"""What police, coordinators and members do with alerts (ALR-1, ALR-5, ALR-6).

Every action takes keyword-only arguments and the acting user, checks permission and input, and
writes in one transaction with an audit row (ids and counts only). The fan-out itself runs in
background tasks (``fanout``), started after the commit so a worker never sees a half-saved alert.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samenveilig.alerts import permissions
from samenveilig.alerts.models import (
    DEFAULT_RADIUS_M,
    DEFAULT_VALIDITY,
    MAX_RADIUS_M,
    MAX_VALIDITY,
    MIN_RADIUS_M,
    PERSON_KINDS,
    Alert,
    AlertConcern,
    AlertStatus,
    ConcernReason,
    ConcernStatus,
    Delivery,
    DeliveryStatus,
    Purpose,
)
from samenveilig.alerts.signalement import clean_person, clean_vehicle
from samenveilig.alerts.targeting import Target, count_recipients
from samenveilig.areas import spatial
from samenveilig.areas.models import Area, AreaLevel
from samenveilig.communities.models import AlertKind
from samenveilig.core import audit
from samenveilig.flags.hooks import match_after_commit
from samenveilig.investigations.publication import PublicationRefused, check_publication
from samenveilig.reports import photos as photo_processing

if TYPE_CHECKING:
    from samenveilig.accounts.models import User
    from samenveilig.reports.models import Report

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TITLE_MAX_LENGTH = 120
MESSAGE_MAX_LENGTH = 1000


class AlertValidationError(Exception):
    """Bad input: translated messages per field (``__all__`` for the whole alert)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class AlertActionError(Exception):
    """An action that is not possible now (wrong status): a translated message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class AlertInput:
    kind: str
    title: str
    message: str = ""
    person: dict[str, Any] | None = None
    vehicle: dict[str, Any] | None = None
    photo: UploadedFile | None = None
    lat: float | None = None
    lon: float | None = None
    radius_m: int | None = None
    area_ids: list[int] = field(default_factory=list)
    valid_until: datetime | None = None
    source_report: Report | None = None


@dataclass
class CheckedAlert:
    data: AlertInput
    person: dict[str, Any] | None
    vehicle: dict[str, Any] | None
    lat: float
    lon: float
    radius_m: int
    areas: list[Area]
    centre: Area
    municipality: Area
    expires_at: datetime

    @property
    def area_ids(self) -> set[int]:
        return {a.pk for a in self.areas} or {self.centre.pk}

    def target(self) -> Target:
        return Target(
            kind=self.data.kind,
            lat=self.lat,
            lon=self.lon,
            radius_m=self.radius_m,
            area_ids=tuple(a.pk for a in self.areas),
        )


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def _municipality_of(area: Area) -> Area:
    current = area
    while current.parent_id is not None and current.level != AreaLevel.MUNICIPALITY:
        current = current.parent
    return current


def _check_text(data: AlertInput, errors: dict[str, list[str]]) -> None:
    if data.kind not in AlertKind.values:
        _add(errors, "kind", _("Choose what kind of alert this is."))
    data.title = (data.title or "").strip()
    data.message = (data.message or "").strip()
    if not data.title:
        _add(errors, "title", _("Write a short headline, for example “Vermiste man, 82 jaar”."))
    elif any(ord(c) < 32 for c in data.title):
        _add(errors, "title", _("Write the headline on one line."))
    if "\x00" in data.message:
        _add(errors, "message", _("The message contains a character that is not allowed."))
    elif len(data.title) > TITLE_MAX_LENGTH:
        _add(
            errors,
            "title",
            _("Keep the headline to %(max)d characters.") % {"max": TITLE_MAX_LENGTH},
        )
    if len(data.message) > MESSAGE_MAX_LENGTH:
        _add(
            errors,
            "message",
            _("Keep the message to %(max)d characters.") % {"max": MESSAGE_MAX_LENGTH},
        )


def _area_centre(area: Area) -> tuple[float, float]:
    """The imported centroid, or the middle of the boundary when an area has none stored."""
    if area.centroid_lat is not None and area.centroid_lon is not None:
        return area.centroid_lat, area.centroid_lon
    from shapely.geometry import shape

    centre = shape(area.geometry).centroid
    return centre.y, centre.x


def _check_place(
    data: AlertInput, errors: dict[str, list[str]]
) -> tuple[float, float, int, list[Area], Area | None]:
    radius = data.radius_m if data.radius_m is not None else DEFAULT_RADIUS_M
    if not MIN_RADIUS_M <= radius <= MAX_RADIUS_M:
        _add(
            errors,
            "radius_m",
            _("Choose a radius between %(min)d and %(max)d metres.")
            % {"min": MIN_RADIUS_M, "max": MAX_RADIUS_M},
        )
    areas: list[Area] = []
    if data.area_ids:
        areas = list(
            Area.objects.filter(pk__in=data.area_ids, level=AreaLevel.NEIGHBOURHOOD).select_related(
                "parent__parent"
            )
        )
        if len(areas) != len(set(data.area_ids)):
            _add(errors, "areas", _("Choose neighbourhoods from the list."))
            return 0.0, 0.0, radius, [], None
    if data.lat is None or data.lon is None:
        if not areas:
            _add(errors, "location", _("Put a pin on the map or choose neighbourhoods."))
            return 0.0, 0.0, radius, [], None
        centres = [_area_centre(a) for a in areas]
        lat = sum(c[0] for c in centres) / len(centres)
        lon = sum(c[1] for c in centres) / len(centres)
        return lat, lon, radius, areas, areas[0]
    centre = spatial.neighbourhood_at(data.lat, data.lon)
    if centre is None:
        _add(
            errors,
            "location",
            _("This place is outside every neighbourhood we know. Put the pin in the town."),
        )
    return data.lat, data.lon, radius, areas, centre


def default_validity(kind: str, municipality: Area | None) -> timedelta:
    """How long an alert of this kind runs when the sender gives no end. A cocoon warning runs
    as long as the municipality's near-repeat analysis says the risk stays raised (NRA-2: the
    adopted Knox result, 14 days until one is adopted), within the maximum validity."""
    if kind == AlertKind.COCOON:
        from samenveilig.analysis.selectors import near_repeat_defaults

        _radius, days = near_repeat_defaults(municipality)
        return min(timedelta(days=days), MAX_VALIDITY)
    return DEFAULT_VALIDITY.get(kind, timedelta(hours=2))


def _check_validity(
    data: AlertInput, now: datetime, errors: dict[str, list[str]], municipality: Area | None
) -> datetime:
    if data.valid_until is None:
        return now + default_validity(data.kind, municipality)
    if data.valid_until <= now:
        _add(errors, "valid_until", _("The end of validity must lie in the future."))
    elif data.valid_until > now + MAX_VALIDITY:
        _add(
            errors,
            "valid_until",
            _("An alert can be valid for at most %(days)d days.") % {"days": MAX_VALIDITY.days},
        )
    return data.valid_until


def _strings(described: dict[str, Any] | None) -> list[str]:
    return [str(value) for value in (described or {}).values() if value]


def check_alert(
    data: AlertInput, *, now: datetime | None = None, actor: User | None = None
) -> CheckedAlert:
    """Validate everything; raises ``AlertValidationError`` with all problems at once. With an
    ``actor``, a refusal by the publication guard (INV-8) is recorded in the audit chain."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    _check_text(data, errors)
    free_text = f"{data.title}\n{data.message}"
    person = clean_person(data.person, free_text, errors)
    vehicle = clean_vehicle(data.vehicle, errors)
    if data.kind in PERSON_KINDS and person is None and "person" not in errors:
        _add(errors, "person", _("Describe the person: what they did, clothing, hair, height."))
    if data.kind == AlertKind.VEHICLE and vehicle is None and "vehicle" not in errors:
        _add(errors, "vehicle", _("Describe the vehicle: kind, colour, make or licence plate."))
    lat, lon, radius, areas, centre = _check_place(data, errors)
    municipality = _municipality_of(centre) if centre is not None else None
    expires_at = _check_validity(data, now, errors, municipality)
    if not errors and centre is not None:
        # INV-8: no suspect recorded in an investigation of this town is ever named in an alert.
        texts = [data.title, data.message, *_strings(person), *_strings(vehicle)]
        try:
            check_publication(
                texts, [a.pk for a in areas] or [centre.pk], actor=actor, where="alert"
            )
        except PublicationRefused as refusal:
            _add(errors, "__all__", refusal.message)
    if errors or centre is None:
        raise AlertValidationError(errors)
    return CheckedAlert(
        data=data,
        person=person,
        vehicle=vehicle,
        lat=lat,
        lon=lon,
        radius_m=radius,
        areas=areas,
        centre=centre,
        municipality=municipality,
        expires_at=expires_at,
    )


def alert_reach(data: AlertInput) -> int:
    """How many members the alert would reach now: shown on the form before sending (ALR-1)."""
    return count_recipients(check_alert(data).target())


def _new_reference() -> str:
    for _attempt in range(10):
        reference = "A-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        if not Alert.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("Could not find a free alert reference.")  # pragma: no cover


def _start_fanout(alert: Alert, purpose: str = Purpose.ALERT) -> None:
    from samenveilig.alerts.tasks import plan_fanout

    alert_id = alert.pk
    transaction.on_commit(lambda: plan_fanout.enqueue(alert_id, purpose))


def alert_create(*, actor: User, data: AlertInput) -> Alert:
    """Police send at once; a coordinator (where the municipality allows it) proposes, and the
    alert waits for police approval. Anyone else is refused."""
    now = timezone.now()
    checked = check_alert(data, now=now, actor=actor)
    police = permissions.police_covers(actor, checked.area_ids)
    community = None
    if not police:
        communities = permissions.coordinated_communities_covering(actor, checked.area_ids)
        if not communities or not permissions.coordinators_may_propose(checked.municipality.pk):
            raise PermissionDenied
        community = communities[0]
        if data.photo:
            raise AlertValidationError(
                {"photo": [_("Only the police may add a photo to an alert.")]}
            )
    processed = None
    if data.photo:
        try:
            processed = photo_processing.process_photo(data.photo)
        except photo_processing.PhotoError as error:
            raise AlertValidationError({"photo": [error.message]}) from error
    stored: list[str] = []
    try:
        return _save_new_alert(actor, data, checked, processed, police, community, now, stored)
    except Exception:
        # The rows rolled back; a photo of a person written on the way must not stay on disk.
        for name in stored:
            Alert._meta.get_field("photo").storage.delete(name)
        raise


def _save_new_alert(
    actor: User,
    data: AlertInput,
    checked: CheckedAlert,
    processed: Any,
    police: bool,
    community: Any,
    now: datetime,
    stored: list[str],
) -> Alert:
    with transaction.atomic():
        alert = Alert(
            reference=_new_reference(),
            kind=data.kind,
            status=AlertStatus.SENT if police else AlertStatus.PENDING_APPROVAL,
            title=data.title,
            message=data.message,
            person=checked.person,
            vehicle=checked.vehicle,
            lat=checked.lat,
            lon=checked.lon,
            radius_m=checked.radius_m,
            municipality=checked.municipality,
            centre_neighbourhood=checked.centre,
            source_report=data.source_report,
            community=community,
            valid_from=now if police else None,
            expires_at=checked.expires_at,
            created_by=actor,
            updated_by=actor,
        )
        if processed is not None:
            alert.photo.save(processed.content.name, processed.content, save=False)
            stored.append(alert.photo.name)
        alert.save()
        if checked.areas:
            alert.areas.set(checked.areas)
        audit.record(
            actor=actor,
            action="alerts.sent" if police else "alerts.proposed",
            obj=alert,
            details={"kind": alert.kind, "areas": sorted(checked.area_ids)},
        )
        match_after_commit("alert", alert.pk)
        if police:
            _start_fanout(alert)
    return alert


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def alert_approve(*, actor: User, alert: Alert) -> Alert:
    if not permissions.can_decide(actor, alert):
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic():
        alert = _locked(alert)
        if alert.status != AlertStatus.PENDING_APPROVAL:
            raise AlertActionError(_("This alert is not waiting for approval."))
        if alert.is_expired(now):
            raise AlertActionError(_("This proposal has expired; it can no longer be sent."))
        alert.status = AlertStatus.SENT
        alert.valid_from = now
        alert.decided_by = actor
        alert.decided_at = now
        alert.updated_by = actor
        alert.save()
        audit.record(actor=actor, action="alerts.approved", obj=alert)
        _start_fanout(alert)
    return alert


def alert_reject(*, actor: User, alert: Alert, note: str) -> Alert:
    if not permissions.can_decide(actor, alert):
        raise PermissionDenied
    note = (note or "").strip()
    if not note:
        raise AlertValidationError({"note": [_("Tell the coordinator why, in a sentence.")]})
    with transaction.atomic():
        alert = _locked(alert)
        if alert.status != AlertStatus.PENDING_APPROVAL:
            raise AlertActionError(_("This alert is not waiting for approval."))
        alert.status = AlertStatus.REJECTED
        alert.decided_by = actor
        alert.decided_at = timezone.now()
        alert.decision_note = note[:300]
        alert.updated_by = actor
        alert.save()
        audit.record(actor=actor, action="alerts.rejected", obj=alert)
    return alert


def alert_end(*, actor: User, alert: Alert, closing_message: str = "") -> Alert:
    """End the alert now ("gevonden"): the description disappears from every view at once, and an
    optional closing message goes to everyone who received the alert (ALR-6)."""
    if not permissions.can_manage(actor, alert):
        raise PermissionDenied
    closing_message = (closing_message or "").strip()
    if len(closing_message) > MESSAGE_MAX_LENGTH:
        raise AlertValidationError(
            {
                "closing_message": [
                    _("Keep the message to %(max)d characters.") % {"max": MESSAGE_MAX_LENGTH}
                ]
            }
        )
    if closing_message:
        area_ids = list(alert.areas.values_list("pk", flat=True)) or [
            alert.centre_neighbourhood_id or alert.municipality_id
        ]
        try:
            check_publication([closing_message], area_ids, actor=actor, where="alert_closing")
        except PublicationRefused as refusal:
            raise AlertValidationError({"closing_message": [refusal.message]}) from refusal
    now = timezone.now()
    with transaction.atomic():
        alert = _locked(alert)
        if alert.status != AlertStatus.SENT:
            raise AlertActionError(_("Only a sent alert can be ended."))
        if alert.closed_at is not None:
            raise AlertActionError(_("A closing message was already sent for this alert."))
        if alert.expires_at > now:
            alert.expires_at = now
        if closing_message:
            alert.closing_message = closing_message
            alert.closed_at = now
        alert.updated_by = actor
        alert.save()
        # Nothing of the description may still go out after the end.
        Delivery.objects.filter(
            alert=alert, purpose=Purpose.ALERT, status=DeliveryStatus.PENDING
        ).update(status=DeliveryStatus.CANCELLED, lease_until=None)
        audit.record(
            actor=actor,
            action="alerts.ended",
            obj=alert,
            details={"closing_message": bool(closing_message)},
        )
        if closing_message:
            _start_fanout(alert, Purpose.CLOSING)
    return alert


def mark_read(*, user: User, delivery: Delivery) -> None:
    if delivery.user_id == user.pk and delivery.read_at is None:
        Delivery.objects.filter(pk=delivery.pk, read_at__isnull=True).update(read_at=timezone.now())


def purge_expired_alerts(*, now: datetime | None = None) -> int:
    """Remove the personal description of alerts that expired longer ago than the retention
    period (ALR-6); the alert's reference, kind, place and figures stay for the impact monitor."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ALERT_RETENTION_DAYS)
    due = Alert.objects.filter(expires_at__lt=cutoff, purged_at__isnull=True)
    purged = 0
    for alert in due.iterator():
        with transaction.atomic():
            if alert.photo:
                alert.photo.delete(save=False)
            Alert.objects.filter(pk=alert.pk).update(
                title="", person=None, vehicle=None, message="", photo="", purged_at=now
            )
            # What members reported about it goes with the description it was about.
            AlertConcern.objects.filter(alert=alert).delete()
            audit.record(actor=None, action="alerts.purged", obj=alert)
        purged += 1
    return purged


# --- tips (ALR-5) ---------------------------------------------------------------------------------

TIP_CATEGORY_BY_KIND = {
    AlertKind.WANTED_PERSON: "verdachte-situatie-persoon",
    AlertKind.MISSING_PERSON: "verdachte-situatie-persoon",
    AlertKind.VEHICLE: "verdachte-situatie-voertuig",
}
TIP_FALLBACK_CATEGORY = "overig"


def _tip_category(alert: Alert) -> Any:
    from django.db.models import F, Q

    from samenveilig.reports.models import Category

    codes = [TIP_CATEGORY_BY_KIND.get(alert.kind, TIP_FALLBACK_CATEGORY), TIP_FALLBACK_CATEGORY]
    for code in codes:
        category = (
            Category.objects.filter(code=code, is_active=True)
            .filter(Q(municipality=alert.municipality) | Q(municipality__isnull=True))
            .order_by(F("municipality").desc(nulls_last=True))
            .first()
        )
        if category is not None:
            return category
    raise AlertActionError(_("Tips cannot be received right now. Call 0900-8844."))


def alert_tip(
    *,
    actor: User,
    alert: Alert,
    notes: str,
    observed_at: datetime,
    lat: float | None = None,
    lon: float | None = None,
    address: Any = None,
    ip: str | None = None,
) -> Report:
    """ "Ik heb iets gezien": a report linked to the alert, routed like any report, so it lands in
    the police inbox of the place where it was seen and on the alert's own page (ALR-5)."""
    from samenveilig.reports.models import ReportSource
    from samenveilig.reports.services.submission import report_submit
    from samenveilig.reports.types import ReportInput, ReportValidationError

    if permissions.received(actor, alert) is None:
        raise PermissionDenied
    alert = Alert.objects.select_related("municipality").get(pk=alert.pk)  # ended meanwhile?
    if not alert.is_live:
        raise AlertActionError(_("This alert has ended; thank you for looking out."))
    data = ReportInput(
        category=_tip_category(alert),
        description=(notes or "").strip(),
        observed_at=observed_at,
        lat=lat,
        lon=lon,
        address=address,
        related_alert_id=alert.pk,
    )
    try:
        report = report_submit(reporter=actor, data=data, source=ReportSource.ALERT_TIP, ip=ip)
    except ReportValidationError as error:
        raise AlertValidationError(error.errors) from error
    return report


# --- problems members report about an alert (REP-10) ----------------------------------------------

CONCERN_NOTE_MAX_LENGTH = 1000


def concern_raise(*, actor: User, alert: Alert, reason: str, note: str = "") -> AlertConcern:
    """A recipient reports a problem with an alert. Only who received it may; once per alert.
    The managers see it on the alert's page; the audit chain gets ids and the reason only."""
    if permissions.received(actor, alert) is None:
        raise PermissionDenied
    if reason not in ConcernReason.values:
        raise AlertValidationError({"reason": [_("Choose what is wrong with the alert.")]})
    note = (note or "").strip()
    if len(note) > CONCERN_NOTE_MAX_LENGTH:
        raise AlertValidationError(
            {
                "note": [
                    _("Keep the explanation to %(max)d characters.")
                    % {"max": CONCERN_NOTE_MAX_LENGTH}
                ]
            }
        )
    with transaction.atomic():
        if AlertConcern.objects.filter(alert=alert, raised_by=actor).exists():
            raise AlertActionError(
                _("You have already reported a problem with this alert; the police look at it.")
            )
        concern = AlertConcern.objects.create(
            alert=alert, raised_by=actor, reason=reason, note=note
        )
        audit.record(
            actor=actor,
            action="alerts.concern_raised",
            obj=alert,
            details={"concern_id": concern.pk, "reason": reason},
        )
    return concern


def concern_handle(
    *, actor: User, concern: AlertConcern, end_alert: bool, note: str = ""
) -> AlertConcern:
    """A manager of the alert answers a reported problem: leave the alert as it is, or end it
    (its description disappears for everyone at once, as with ``alert_end``)."""
    alert = concern.alert
    if not permissions.can_manage(actor, alert):
        raise PermissionDenied
    if end_alert and alert.status == AlertStatus.SENT and alert.expires_at > timezone.now():
        alert_end(actor=actor, alert=alert)
    with transaction.atomic():
        concern = AlertConcern.objects.select_for_update().get(pk=concern.pk)
        if concern.status != ConcernStatus.OPEN:
            raise AlertActionError(_("This report has already been answered."))
        concern.status = ConcernStatus.ACTED if end_alert else ConcernStatus.DISMISSED
        concern.handled_by = actor
        concern.handled_at = timezone.now()
        concern.handling_note = (note or "").strip()[:500]
        concern.save(update_fields=["status", "handled_by", "handled_at", "handling_note"])
        audit.record(
            actor=actor,
            action="alerts.concern_handled",
            obj=alert,
            details={"concern_id": concern.pk, "status": concern.status},
        )
    return concern
