"""Neighbourhood inquiries in the demo town (PLT-8, INQ-1 … INQ-6).

Built through the real services (permissions, the address register, the route builder, the
shipped questionnaire's validation), so the demo shows what the product does:

- an open inquiry of Buurtpreventie Binnenstad after a burglary in the Binnenstad, following up
  the demo's newest burglary report there: canvassers marked, signed up and paired (the demo
  member Lisa among them), and a first evening of visits — not at home, a refusal, leads with a
  description, a doorbell camera, someone who wants the police to call — so the results pages
  have something to show;
- a request by the wijkagent of Noord to the WhatsApp group there, waiting for its coordinator.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from samenveilig.communities.models import Membership, MembershipRole, MembershipStatus
from samenveilig.core.geo import haversine_m
from samenveilig.inquiries import services
from samenveilig.inquiries.models import CanvassAddress, IncidentKind
from samenveilig.training.content import CANVASSING
from samenveilig.training.demo import certify_for_demo
from samenveilig.training.permissions import user_is_certified

CANVASSERS = 6  # the demo member and the five members living nearest to the burglary
SUMMARY = (
    "Gisteravond tussen 19.00 en 22.00 uur is in deze straat ingebroken via de achterdeur. "
    "Heeft u iets gezien of gehoord? Elke kleine aanwijzing kan helpen."
)


def _not_home() -> dict[str, Any]:
    return {"outcome": "niet_thuis", "leaflet_left": "yes"}


def _refused() -> dict[str, Any]:
    return {"outcome": "wil_niet", "leaflet_left": "yes"}


def _nothing_seen(tips: tuple[str, ...] = ("lights", "neighbours")) -> dict[str, Any]:
    return {
        "outcome": "gesproken",
        "conversation": {
            "saw_something": "no",
            "camera": "no",
            "contact_consent": "no",
            "tips_given": list(tips),
        },
        "leaflet_left": "no",
    }


def _lead_with_camera() -> dict[str, Any]:
    return {
        "outcome": "gesproken",
        "conversation": {
            "saw_something": "yes",
            "what_seen": (
                "Rond 21.15 uur twee jongens die bij de achterpaden liepen te kijken; ze "
                "gingen er op een witte scooter vandoor richting de markt."
            ),
            "persons_count": 2,
            "persons": [
                {
                    "person_gender": "male",
                    "person_age": 20,
                    "person_build": "slim",
                    "person_height": "ongeveer 1,80 m",
                    "person_clothing": "Zwarte trainingsbroek, grijze hoodie met capuchon op",
                    "person_features": "Zwarte rugzak",
                },
                {
                    "person_gender": "male",
                    "person_age": 18,
                    "person_build": "average",
                    "person_height": "ongeveer 1,70 m",
                    "person_clothing": "Donkerblauwe jas, witte sneakers",
                    "person_features": "",
                },
            ],
            "vehicle_seen": "yes",
            "vehicle_kind": "scooter",
            "vehicle_brand": "piaggio",
            "vehicle_colour": "Wit",
            "licence_plate": "F-12",
            "camera": "yes",
            "camera_keep": "yes",
            "camera_location": "Deurbelcamera aan de voorkant; filmt de stoep en de overkant.",
            "contact_consent": "yes",
            "phone": "06 12345678",
            "tips_given": ["lights", "locks"],
        },
        "leaflet_left": "no",
        "remarks": "Bewoner bewaart de beelden van gisteravond 19.00–23.00 uur.",
    }


def _heard_something() -> dict[str, Any]:
    return {
        "outcome": "gesproken",
        "conversation": {
            "saw_something": "yes",
            "what_seen": "Rond 21.30 uur glasgerinkel achter de huizen gehoord, niets gezien.",
            "persons_count": 0,
            "vehicle_seen": "no",
            "camera": "no",
            "contact_consent": "no",
            "tips_given": ["neighbours", "report"],
        },
        "leaflet_left": "no",
    }


def _camera_only() -> dict[str, Any]:
    return {
        "outcome": "gesproken",
        "conversation": {
            "saw_something": "no",
            "camera": "yes",
            "camera_keep": "yes",
            "camera_location": "Camera boven de garagedeur, filmt de inrit en het achterpad.",
            "contact_consent": "no",
            "tips_given": ["windows"],
        },
        "leaflet_left": "no",
    }


# The first evening on the nearest route: door by door in walking order.
ROUTE_ONE = (
    _not_home,
    _nothing_seen,
    _lead_with_camera,
    _refused,
    _not_home,
    _heard_something,
    _nothing_seen,
)
# The second pair has just begun.
ROUTE_TWO = (_camera_only, _not_home, _nothing_seen)


def _burglary_report(town: Any, area_ids: set[int]) -> Any:
    """The newest burglary report with an address in the group's buurten that its members may
    see, or ``None``."""
    from samenveilig.reports.permissions import NOT_FOR_MEMBERS

    candidates = [
        r
        for r in town.reports
        if r.category.code == "woninginbraak"
        and r.address_id is not None
        and r.neighbourhood_id in area_ids
        and r.status not in NOT_FOR_MEMBERS
    ]
    return max(candidates, key=lambda r: r.observed_at, default=None)


def _canvassers(town: Any, community: Any, lat: float, lon: float) -> list[Any]:
    """The demo member first, then the verified members of the group living nearest."""
    member = town.users["member"]
    others = (
        Membership.objects.filter(
            community=community, status=MembershipStatus.VERIFIED, role=MembershipRole.MEMBER
        )
        .exclude(user=member)
        .select_related("user")
    )
    homes = town.homes

    def distance(user: Any) -> float:
        home = homes.get(user.pk)
        return haversine_m(lat, lon, home.lat, home.lon) if home else float("inf")

    nearest = sorted((m.user for m in others), key=lambda u: (distance(u), u.pk))
    return [member, *nearest[: CANVASSERS - 1]]


def _visit(pair: tuple[Any, Any], stops: list[Any], answers: tuple, start: Any) -> None:
    for index, (stop, make) in enumerate(zip(stops, answers, strict=False)):
        services.visit_record(
            actor=pair[index % 2],
            stop=stop,
            answers=make(),
            idempotency_key=f"demo-visit-{stop.inquiry_id}-{stop.pk}",
            visited_at=start + timedelta(minutes=6 * index),
        )


def build_inquiries(town: Any) -> None:
    now = timezone.now()
    community = town.communities["patrol"]
    coordinator = town.users["coordinator"]
    area_ids = {a.pk for a in community.areas.all()}
    report = _burglary_report(town, area_ids)
    if report is not None:
        victim = report.address
        occurred = report.observed_at
    else:  # the demo always has one; a smaller town might not
        victim = next(a for a in town.addresses if a.neighbourhood_id in area_ids)
        occurred = now - timedelta(days=1, hours=2)

    canvassers = _canvassers(town, community, victim.lat, victim.lon)
    for person in canvassers:
        if not user_is_certified(person, CANVASSING):  # module 3 gates canvassing (INQ-3)
            certify_for_demo(person, CANVASSING, passed_at=now - timedelta(days=60))
    inquiry = services.inquiry_start(
        actor=coordinator,
        data=services.InquiryInput(
            community=community,
            kind=IncidentKind.BURGLARY,
            occurred_at=occurred,
            victim_address=victim,
            radius_m=200,
            route_size=12,
            summary=SUMMARY,
            report=report,
        ),
    )
    for person in canvassers:
        services.canvass_signup(actor=person, inquiry=inquiry)
    services.routes_pair_up(actor=coordinator, inquiry=inquiry)
    # Started the morning after the burglary (or a few hours ago for a fresh one); the pairs
    # rang the first doors an hour later.
    started = max(min(now - timedelta(hours=4), occurred + timedelta(hours=14)), occurred)
    _back_in_time(inquiry, started)
    evening = started + timedelta(hours=1)
    routes = list(inquiry.routes.order_by("position")[:2])
    for route, answers, start in zip(
        routes, (ROUTE_ONE, ROUTE_TWO), (evening, evening + timedelta(minutes=20)), strict=False
    ):
        if not route.pair_ids:
            continue
        stops = list(CanvassAddress.objects.filter(route=route).order_by("position"))
        _visit((route.first_canvasser, route.second_canvasser), stops, answers, start)
    victim_stop = inquiry.addresses.filter(is_victim=True).first()
    if victim_stop is not None:
        services.visit_record(
            actor=coordinator,
            stop=victim_stop,
            answers=_nothing_seen(("locks",)),
            idempotency_key=f"demo-visit-{inquiry.pk}-victim",
            visited_at=evening - timedelta(minutes=30),
        )

    _requested_in_noord(town, occurred=now - timedelta(hours=5))


def _back_in_time(inquiry: Any, started: Any) -> None:
    """As if started at ``started``: the inquiry, its sign-ups and its pairs."""
    from samenveilig.inquiries.models import CanvassRoute, CanvassSignup, Inquiry

    Inquiry.objects.filter(pk=inquiry.pk).update(
        created_at=started, updated_at=started, accepted_at=started
    )
    for minutes, signup in enumerate(CanvassSignup.objects.filter(inquiry=inquiry), start=5):
        CanvassSignup.objects.filter(pk=signup.pk).update(
            signed_up_at=started + timedelta(minutes=minutes)
        )
    CanvassRoute.objects.filter(inquiry=inquiry, first_canvasser__isnull=False).update(
        assigned_at=started + timedelta(minutes=30)
    )


def _requested_in_noord(town: Any, *, occurred: Any) -> None:
    """The wijkagent of Noord asks the WhatsApp group there for a canvass after a car
    break-in; the group's coordinator has not accepted yet."""
    community = town.communities["whatsapp"]
    area_ids = {a.pk for a in community.areas.all()}
    address = next((a for a in reversed(town.addresses) if a.neighbourhood_id in area_ids), None)
    if address is None:
        return
    services.inquiry_start(
        actor=town.users["police_noord"],
        data=services.InquiryInput(
            community=community,
            kind=IncidentKind.CAR_BREAK_IN,
            occurred_at=occurred,
            lat=address.lat,
            lon=address.lon,
            radius_m=150,
            route_size=15,
            summary="Vannacht zijn in deze straat drie auto's opengebroken; navigatiesystemen weg.",
        ),
    )
