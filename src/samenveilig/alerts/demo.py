"""Alerts in the demo town (PLT-8): what a newcomer sees after ``make demo``.

Built through the real services (validation, permissions, targeting, in-app fan-out), then moved
back in time where the story needs it. As with the demo reports, the history of the outside
channels is simulated: e-mail and push deliveries of alerts "sent" before the demo started are
recorded as sent at that moment instead of mailing hundreds of demo addresses at start-up.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from samenveilig.alerts import fanout, permissions
from samenveilig.alerts.models import Alert, AlertPolicy, Delivery, DeliveryStatus, Purpose
from samenveilig.alerts.services import AlertInput, alert_create, alert_end, alert_tip
from samenveilig.areas.selectors import area_ids_within
from samenveilig.communities.models import AlertKind


def _police_for(town: Any, buurt_id: int) -> Any:
    for key in ("police_centrum", "police_noord", "police_haven"):
        user = town.users[key]
        if permissions.police_covers(user, {buurt_id}):
            return user
    raise RuntimeError("No demo wijkagent covers the member's buurt.")


def _back_in_time(alert: Alert, created: Any) -> None:
    """Move an alert and its deliveries to ``created``, as if sent then."""
    shift = timezone.now() - created
    Alert.objects.filter(pk=alert.pk).update(
        created_at=created,
        valid_from=created,
        expires_at=alert.expires_at - shift,
        fanout_planned_at=created,
    )
    Delivery.objects.filter(alert=alert).update(created_at=created, next_attempt_at=created)
    Delivery.objects.filter(alert=alert, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SENT, sent_at=created, attempts=1
    )
    Delivery.objects.filter(alert=alert, status=DeliveryStatus.SENT).update(sent_at=created)


def _report_back_in_time(report: Any, submitted: Any) -> None:
    """A tip sent at ``submitted``: every timestamp and due date moves with it."""
    from django.db.models import F

    from samenveilig.reports.models import Report, ReportEvent

    shift = report.submitted_at - submitted
    Report.objects.filter(pk=report.pk).update(
        submitted_at=submitted,
        created_at=submitted,
        updated_at=submitted,
        acknowledge_due_at=F("acknowledge_due_at") - shift,
        respond_due_at=F("respond_due_at") - shift,
        close_due_at=F("close_due_at") - shift,
    )
    ReportEvent.objects.filter(report=report).update(created_at=submitted)


def _send(officer: Any, data: AlertInput, created: Any) -> Alert:
    alert = alert_create(actor=officer, data=data)
    fanout.plan(alert.pk)
    alert.refresh_from_db()
    _back_in_time(alert, created)
    alert.refresh_from_db()
    return alert


def build_alerts(town: Any) -> None:
    now = timezone.now()
    member = town.users["member"]
    home = town.homes[member.pk]
    officer = _police_for(town, home.neighbourhood_id)
    AlertPolicy.objects.create(municipality=town.municipality, coordinators_may_propose=True)

    # Two days after a burglary nearby: the neighbours are warned for two weeks (near-repeat).
    _send(
        officer,
        AlertInput(
            kind=AlertKind.COCOON,
            title="Inbraak in de buurt: let extra op",
            message=(
                "Afgelopen nacht is in je buurt ingebroken via een achterdeur. De kans op een "
                "nieuwe inbraak vlakbij is de komende weken groter. Sluit ramen en deuren, "
                "en bel 112 als je iets verdachts ziet gebeuren."
            ),
            lat=home.lat + 0.002,
            lon=home.lon - 0.002,
            radius_m=600,
            valid_until=now + timedelta(days=12),
        ),
        now - timedelta(days=2),
    )
    # A warning about fake officials at the door, still valid.
    warning = _send(
        officer,
        AlertInput(
            kind=AlertKind.WARNING,
            title="Nepagenten aan de deur",
            message=(
                "Twee mannen doen zich voor als agent en vragen naar sieraden en pinpassen. De "
                "politie vraagt nooit om je pinpas of pincode. Laat niemand binnen; bel 112 "
                "als ze nog in de straat zijn."
            ),
            person={
                "behaviour": "Belde aan en zei van de politie te zijn; vroeg naar sieraden",
                "sex": "man",
                "age_min": 30,
                "age_max": 40,
                "hair_colour": "zwart",
                "hair_style": "kort",
                "top": "donkerblauwe bodywarmer met geel hesje",
                "shoes": "zwarte werkschoenen",
            },
            lat=home.lat,
            lon=home.lon,
            radius_m=1500,
            valid_until=now + timedelta(days=5),
        ),
        now - timedelta(hours=20),
    )
    tip = alert_tip(
        actor=member,
        alert=warning,
        notes="Zag twee mannen in geel hesje aanbellen bij nummer 12, ze liepen richting het park.",
        observed_at=now - timedelta(hours=19),
        address=home,
    )
    _report_back_in_time(tip, now - timedelta(hours=18, minutes=50))
    # Yesterday's missing person, found: the description is gone, the thanks remain.
    missing = _send(
        officer,
        AlertInput(
            kind=AlertKind.MISSING_PERSON,
            title="Vermiste man, 82 jaar, met rollator",
            message="Hij is in de war en heeft zijn medicijnen nodig. Zie je hem? Bel 112.",
            person={
                "behaviour": "Liep weg uit het verzorgingshuis, mogelijk op weg naar het station",
                "sex": "man",
                "age_min": 80,
                "age_max": 85,
                "hair_colour": "wit",
                "top": "beige regenjas",
                "bottom": "grijze pantalon",
                "features": "loopt met een rode rollator",
            },
            lat=home.lat - 0.003,
            lon=home.lon + 0.001,
            radius_m=2000,
        ),
        now - timedelta(days=1, hours=3),
    )
    alert_end(
        actor=officer,
        alert=missing,
        closing_message="De man is gevonden en weer veilig thuis. Dank voor het uitkijken!",
    )
    fanout.plan(missing.pk, Purpose.CLOSING)
    Delivery.objects.filter(
        alert=missing, purpose=Purpose.CLOSING, status=DeliveryStatus.PENDING
    ).update(status=DeliveryStatus.SENT, sent_at=now, attempts=1)

    # A WhatsApp-group coordinator's proposal, waiting for the wijkagent's approval.
    community = town.communities["whatsapp"]
    covered = area_ids_within(community.areas.values_list("id", flat=True))
    buurt = next(a for a in town.buurten() if a.pk in covered)
    alert_create(
        actor=town.users["coordinator_noord"],
        data=AlertInput(
            kind=AlertKind.VEHICLE,
            title="Busje rijdt steeds langzaam door de straat",
            message="Meerdere leden zagen dit busje 's avonds rondrijden en stilstaan.",
            vehicle={
                "kind": "bestelbus",
                "colour": "wit",
                "make": "Renault",
                "lettering": "geen belettering, deuk in de schuifdeur",
                "licence_plate": "VX-123-B",
            },
            area_ids=[buurt.pk],
            valid_until=now + timedelta(days=2),
        ),
    )
