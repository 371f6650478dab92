"""Alert rows and a small world of people around the ``town`` fixture for the alert pages and API.

``alert_row`` / ``AlertFactory`` write an alert directly (no fan-out); ``send`` goes through the
service, with the commit callbacks run so the fan-out (inline under pytest) happens at once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.test import TestCase
from django.utils import timezone

from samenveilig.accounts.models import Role
from samenveilig.alerts import services
from samenveilig.alerts.models import (
    Alert,
    AlertPolicy,
    AlertStatus,
    Channel,
    Delivery,
    DeliveryStatus,
    Purpose,
)
from samenveilig.communities.models import (
    AlertKind,
    AlertSubscription,
    CommunityKind,
    MembershipRole,
)
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    WatchPointFactory,
    enrol_totp,
    grant,
)

# In the town fixture's buurt Noord-West (52.010–52.015, 5.000–5.005).
CENTRE = (52.0125, 5.0025)
# In Zuid-West, about 1.3 km from CENTRE: outside a 1 km circle.
FAR = (52.001, 5.001)

PERSON = {
    "behaviour": "Liep verward weg van het verpleeghuis.",
    "sex": "male",
    "age_min": 80,
    "age_max": 85,
    "top": "Blauwe regenjas",
    "shoes": "Bruine pantoffels",
}


class AlertFactory(factory.django.DjangoModelFactory):
    """A sent, live alert around ``CENTRE``; pass ``municipality`` and ``centre_neighbourhood``."""

    class Meta:
        model = Alert

    reference = factory.Sequence(lambda n: f"A-{n:08d}")
    kind = AlertKind.MISSING_PERSON
    status = AlertStatus.SENT
    title = "Vermiste man, 82 jaar"
    message = "Benader hem rustig en bel 112."
    person = factory.LazyFunction(lambda: dict(PERSON))
    vehicle = None
    lat = CENTRE[0]
    lon = CENTRE[1]
    radius_m = 1000
    valid_from = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=2))


def inbox_delivery(alert: Alert, user: Any, purpose: str = Purpose.ALERT) -> Delivery:
    now = timezone.now()
    return Delivery.objects.create(
        alert=alert,
        purpose=purpose,
        channel=Channel.INBOX,
        user=user,
        status=DeliveryStatus.SENT,
        next_attempt_at=now,
        sent_at=now,
        attempts=1,
    )


def subscriber(community: Any, point: tuple[float, float], **user_kwargs: Any) -> Any:
    """A verified member with a home point and a subscription to every alert kind."""
    user_kwargs.setdefault("language", "en")
    user = UserFactory(**user_kwargs)
    MembershipFactory(community=community, user=user)
    WatchPointFactory(user=user, lat=point[0], lon=point[1])
    for kind in AlertKind.values:
        AlertSubscription.objects.create(user=user, kind=kind)
    return user


def build_world(town: dict[str, Any]) -> dict[str, Any]:
    """Police for Noord and Zuid, a patrol and a WhatsApp group in Noord with coordinators, a
    member inside the circle around ``CENTRE``, one outside it (in Zuid) and a resident."""
    police_noord = UserFactory(language="en", display_name="Agent Noord")
    grant(police_noord, Role.POLICE, town["noord"])
    police_zuid = UserFactory(language="en", display_name="Agent Zuid")
    grant(police_zuid, Role.POLICE, town["zuid"])
    patrol = CommunityFactory(name="Waakzaam Noord", areas=[town["noord"]])
    whatsapp = CommunityFactory(
        name="App-groep Noord", kind=CommunityKind.WHATSAPP_GROUP, areas=[town["noord"]]
    )
    zuid = CommunityFactory(name="Waakzaam Zuid", areas=[town["zuid"]])
    coordinator = UserFactory(language="en", display_name="Coördinator Noord")
    MembershipFactory(community=patrol, user=coordinator, role=MembershipRole.COORDINATOR)
    app_coordinator = subscriber(whatsapp, CENTRE, display_name="App-beheerder")
    whatsapp.memberships.filter(user=app_coordinator).update(role=MembershipRole.COORDINATOR)
    member_in = subscriber(patrol, CENTRE, display_name="Lid Binnen")
    member_out = subscriber(zuid, FAR, display_name="Lid Buiten")
    for user in (police_noord, police_zuid, coordinator, app_coordinator):
        enrol_totp(user)
    return {
        **town,
        "police_noord": police_noord,
        "police_zuid": police_zuid,
        "patrol": patrol,
        "whatsapp": whatsapp,
        "coordinator": coordinator,
        "app_coordinator": app_coordinator,
        "member_in": member_in,
        "member_out": member_out,
        "resident": UserFactory(language="en", display_name="Bewoner"),
    }


def allow_proposals(municipality: Any, allowed: bool = True) -> AlertPolicy:
    policy, _created = AlertPolicy.objects.update_or_create(
        municipality=municipality, defaults={"coordinators_may_propose": allowed}
    )
    return policy


def alert_input(**overrides: Any) -> services.AlertInput:
    values: dict[str, Any] = {
        "kind": AlertKind.MISSING_PERSON,
        "title": "Vermiste man, 82 jaar",
        "message": "Benader hem rustig en bel 112.",
        "person": dict(PERSON),
        "lat": CENTRE[0],
        "lon": CENTRE[1],
    }
    values.update(overrides)
    return services.AlertInput(**values)


def send(actor: Any, **overrides: Any) -> Alert:
    """Create through the service and run the fan-out (the commit callbacks) at once."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        alert = services.alert_create(actor=actor, data=alert_input(**overrides))
    alert.refresh_from_db()
    return alert
