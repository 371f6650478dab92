"""A canvassed inquiry for the results tests: route 1 walked with every kind of outcome, the
victim's door visited by the wijkagent, route 2 and the rest not visited.

Route 1 (Anna and Bram), in walking order:
- stop 0: nobody home, later spoken — a lead with a person, a vehicle, a camera and consent
  with a phone number (the newest visit wins: reached and a lead);
- stop 1: spoken with a lead, later nobody home (newest wins: not home, no lead; no leaflet left);
- stop 2: did not want to talk;
- stop 3: nobody home, a leaflet left;
- stop 4: nobody home, no leaflet left;
- stop 5: spoken, no lead; wants contact; remarks that look like spreadsheet formulas.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from samenveilig.inquiries import services

PHONE = "06 12345678"
SECOND_PHONE = "+316 87654321"
WHAT_SEEN = "Twee mannen bij de achterdeur rond 21 uur, een wachtte bij een busje."
CAMERA_PLACE = "Deurbelcamera, filmt de stoep en de overkant"
FORMULA_REMARK = '=HYPERLINK("http://example.invalid","klik")'
FORMULA_CAMERA = "@SUM(A1:A9)"


def not_home(*, leaflet: bool = False) -> dict[str, Any]:
    return {"outcome": "niet_thuis", "leaflet_left": "yes" if leaflet else "no"}


def refused() -> dict[str, Any]:
    return {"outcome": "wil_niet", "leaflet_left": "no"}


def spoken(*, leaflet: bool = False, remarks: str = "", **conversation: Any) -> dict[str, Any]:
    talk = {"saw_something": "no", "camera": "no", "contact_consent": "no", **conversation}
    answers = {"outcome": "gesproken", "conversation": talk, "leaflet_left": "no"}
    if leaflet:
        answers["leaflet_left"] = "yes"
    if remarks:
        answers["remarks"] = remarks
    return answers


def lead_answers() -> dict[str, Any]:
    return spoken(
        saw_something="yes",
        what_seen=WHAT_SEEN,
        persons_count="1",
        persons=[
            {
                "person_gender": "male",
                "person_age": "30",
                "person_build": "slim",
                "person_height": "1,80 m",
                "person_clothing": "Zwarte jas met capuchon",
                "person_features": "Tas met gereedschap",
            }
        ],
        vehicle_seen="yes",
        vehicle_kind="van",
        vehicle_brand="ford_transit",
        vehicle_colour="wit",
        licence_plate="12-ABC-3",
        camera="yes",
        camera_keep="OK",
        camera_location=CAMERA_PLACE,
        contact_consent="yes",
        phone=PHONE,
        tips_given="lights locks",
    )


@dataclass
class Canvass:
    inquiry: Any
    route: Any
    stops: list[Any]
    victim: Any


def build_canvass(scene: Any) -> Canvass:
    inquiry = services.inquiry_start(actor=scene.coordinator, data=scene.input(route_size=8))
    anna, bram = scene.canvassers[:2]
    for person in (anna, bram):
        services.canvass_signup(actor=person, inquiry=inquiry)
    services.routes_pair_up(actor=scene.coordinator, inquiry=inquiry)
    route = inquiry.routes.get(position=1)
    stops = list(route.stops.select_related("address").order_by("position"))
    now = timezone.now()
    counter = iter(range(1, 100))

    def visit(stop: Any, answers: dict[str, Any], hours_ago: float, actor: Any = anna) -> Any:
        return services.visit_record(
            actor=actor,
            stop=stop,
            answers=answers,
            idempotency_key=f"res-{next(counter):04d}",
            visited_at=now - dt.timedelta(hours=hours_ago),
        )

    visit(stops[0], not_home(), 5)
    visit(stops[0], lead_answers(), 2, bram)
    visit(stops[1], spoken(saw_something="yes", what_seen="Een scooter."), 4)
    visit(stops[1], not_home(), 1)
    visit(stops[2], refused(), 3)
    visit(stops[3], not_home(leaflet=True), 3)
    visit(stops[4], not_home(), 3)
    visit(
        stops[5],
        spoken(
            contact_consent="yes",
            phone=SECOND_PHONE,
            camera="yes",
            camera_keep="OK",
            camera_location=FORMULA_CAMERA,
            remarks=FORMULA_REMARK,
        ),
        3,
    )
    victim = inquiry.addresses.get(is_victim=True)
    visit(
        victim,
        spoken(camera="yes", camera_keep="OK", camera_location="Achtertuin"),
        2,
        scene.police,
    )
    inquiry.refresh_from_db()
    return Canvass(inquiry=inquiry, route=route, stops=stops, victim=victim)
