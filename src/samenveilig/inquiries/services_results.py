"""Writes around the results of an inquiry (INQ-7, INQ-8): the cocoon warning and the audit rows
of the exports. Keyword-only, an acting user, one transaction per action, an audit row with ids
and counts only.

The cocoon warning is an alert of kind "cocoon" (``alerts.services.alert_create`` decides who
may send it: the police of the buurt send at once; a coordinator's becomes a proposal where the
municipality's ``AlertPolicy`` lets coordinators propose, and is refused elsewhere). Its circle is
the inquiry's canvass circle (at least the smallest alert radius, 100 m), its validity the
municipality's adopted near-repeat days (NRA-2; 14 days until a Knox result is adopted:
the raised risk lasts about two weeks), set by ``alerts.services.default_validity``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from samenveilig.alerts import services as alert_services
from samenveilig.alerts.models import MIN_RADIUS_M, Alert, AlertStatus
from samenveilig.communities.models import AlertKind
from samenveilig.core import audit
from samenveilig.inquiries import permissions
from samenveilig.inquiries.models import Inquiry
from samenveilig.inquiries.results import incident_phrase, incident_street
from samenveilig.inquiries.services import InquiryActionError


def cocoon_is_active(alert: Alert | None, *, now: dt.datetime | None = None) -> bool:
    """Waiting for approval, or sent and not expired: a second warning would only repeat it."""
    if alert is None:
        return False
    if alert.status == AlertStatus.PENDING_APPROVAL:
        return not alert.is_expired(now)
    return alert.status == AlertStatus.SENT and not alert.is_expired(now)


def cocoon_alert_input(inquiry: Inquiry) -> alert_services.AlertInput:
    """The warning's text in the platform's language, from the kind of incident, its date, the
    street (no house number) and the inquiry's summary, which its form asks to write for the
    canvassers and the leaflet. No victim, no address, no description of anyone."""
    with translation.override(settings.LANGUAGE_CODE):
        phrase = incident_phrase(inquiry.kind)
        street = incident_street(inquiry)
        title = _("Cocoon warning: %(incident)s near %(street)s") % {
            "incident": phrase,
            "street": street,
        }
        message = _(
            "On %(date)s there was %(incident)s near %(street)s. Burglars often come back to the "
            "same neighbourhood in the weeks after. Lock doors and windows, also when you are "
            "out for a moment, keep outdoor lights on and look out for each other. See "
            "something suspicious? Call 112 at once."
        ) % {
            "date": formats.date_format(timezone.localtime(inquiry.occurred_at), "DATE_FORMAT"),
            "incident": phrase,
            "street": street,
        }
    summary = " ".join((inquiry.summary or "").split())
    room = alert_services.MESSAGE_MAX_LENGTH - len(message) - 2
    if summary and room > 20:
        if len(summary) > room:
            summary = summary[: room - 1].rstrip() + "…"
        message = f"{message}\n\n{summary}"
    return alert_services.AlertInput(
        kind=AlertKind.COCOON,
        title=title[: alert_services.TITLE_MAX_LENGTH],
        message=message,
        lat=inquiry.lat,
        lon=inquiry.lon,
        radius_m=max(inquiry.radius_m, MIN_RADIUS_M),
    )


def cocoon_warning_send(*, actor: Any, inquiry: Inquiry) -> Alert:
    """Send (police) or propose (coordinator) the cocoon warning and link it to the inquiry.

    Raises ``PermissionDenied`` for anyone who does not manage the inquiry, or a coordinator
    whose municipality does not let coordinators propose alerts; ``InquiryActionError`` while an
    earlier warning of this inquiry is still waiting or running."""
    if not permissions.user_can_manage_inquiry(actor, inquiry):
        raise PermissionDenied
    with transaction.atomic():
        inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
        current = (
            Alert.objects.filter(pk=inquiry.cocoon_alert_id).first()
            if inquiry.cocoon_alert_id
            else None
        )
        if cocoon_is_active(current):
            raise InquiryActionError(
                _("A cocoon warning for this inquiry is already running or waiting for approval.")
            )
        alert = alert_services.alert_create(actor=actor, data=cocoon_alert_input(inquiry))
        inquiry.cocoon_alert = alert
        inquiry.updated_by = actor
        inquiry.save(update_fields=["cocoon_alert", "updated_by", "updated_at"])
        audit.record(
            actor=actor,
            action="inquiry.cocoon_warning",
            obj=inquiry,
            details={"alert_id": alert.pk, "status": alert.status},
        )
    return alert


def results_exported(*, actor: Any, inquiry: Inquiry, fmt: str, rows: int, phones: bool) -> None:
    """Who took the results out of the platform, in which form, how many doors, and whether
    the phone numbers were in it (the police) or not."""
    if not permissions.user_can_manage_inquiry(actor, inquiry):
        raise PermissionDenied
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="inquiry.results_export",
            obj=inquiry,
            details={"format": fmt, "doors": rows, "phone_numbers": phones},
        )


def leaflets_exported(*, actor: Any, inquiry: Inquiry, addresses: int, language: str) -> None:
    if not permissions.user_can_manage_inquiry(actor, inquiry):
        raise PermissionDenied
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="inquiry.leaflet_export",
            obj=inquiry,
            details={"addresses": addresses, "language": language},
        )
