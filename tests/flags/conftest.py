"""Shared scene of the flag tests: the test town with a wijkagent per wijk, a municipality
officer, a community in Zuid with a coordinator and a member, a resident, and helpers to set a
flag and to make reports, doorstep visits and alerts that mention identifiers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import TestCase
from django.utils import timezone, translation

from samenveilig.accounts.models import Role
from samenveilig.alerts import services as alert_services
from samenveilig.areas.models import Address
from samenveilig.communities.models import AlertKind, MembershipRole
from samenveilig.flags import services
from samenveilig.flags.categories import install_default_categories
from samenveilig.flags.models import Flag, FlagCategory
from samenveilig.flags.normalise import IdentifierKind
from samenveilig.inquiries import services as inquiry_services
from samenveilig.inquiries.models import IncidentKind
from samenveilig.reports.categories import install_default_categories as report_categories
from samenveilig.reports.models import Category, Report
from samenveilig.reports.services.submission import report_submit
from samenveilig.reports.types import ReportInput
from tests.factories import (
    AddressFactory,
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    enrol_totp,
    grant,
)

ZUID_WEST = (52.0025, 5.0025)  # the middle of buurt Zuid-West
NOORD_WEST = (52.0125, 5.0025)
PLATE = "VX-123-B"  # sidecode 9 (XX-999-X)
PLATE_NORMALISED = "VX123B"


@pytest.fixture(autouse=True)
def _english(settings, tmp_path):
    """Assertions read the English msgids; photos go to a throwaway media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


@dataclass
class World:
    town: dict[str, Any]
    police_zuid: Any
    police_noord: Any
    municipality: Any
    coordinator: Any
    member: Any
    resident: Any
    community: Any
    addresses: list[Address] = field(default_factory=list)

    @property
    def victim(self) -> Address:
        return self.addresses[0]


def _user(name: str, **kwargs: Any) -> Any:
    return UserFactory(display_name=name, language="en", **kwargs)


@pytest.fixture
def world(town) -> World:
    install_default_categories()
    report_categories()
    police_zuid = _user("Wijkagent Zuid", email="agent.zuid@example.test")
    grant(police_zuid, Role.POLICE, town["zuid"])
    police_noord = _user("Wijkagent Noord", email="agent.noord@example.test")
    grant(police_noord, Role.POLICE, town["noord"])
    municipality = _user("Wijkregisseur", email="gemeente@example.test")
    grant(municipality, Role.MUNICIPALITY, town["municipality"])
    for user in (police_zuid, police_noord, municipality):
        enrol_totp(user)
    community = CommunityFactory(name="Buurtpreventie Zuid", areas=[town["zuid"]])
    coordinator = _user("Coördinator Zuid")
    MembershipFactory(community=community, user=coordinator, role=MembershipRole.COORDINATOR)
    enrol_totp(coordinator)
    member = _user("Lid Zuid", email="lid.zuid@example.test")
    MembershipFactory(community=community, user=member)
    addresses = [
        AddressFactory(
            street="Kerkstraat",
            house_number=number,
            house_number_addition="A" if number == 12 else "",
            postcode="1234AB",
            lat=ZUID_WEST[0] + 0.0001 * number,
            lon=ZUID_WEST[1],
            neighbourhood=town["zuid_west"],
        )
        for number in (10, 12, 14)
    ]
    return World(
        town=town,
        police_zuid=police_zuid,
        police_noord=police_noord,
        municipality=municipality,
        coordinator=coordinator,
        member=member,
        resident=_user("Bewoner"),
        community=community,
        addresses=addresses,
    )


def category(code: str = "ondermijning") -> FlagCategory:
    return FlagCategory.objects.get(code=code)


def set_flag(
    owner: Any,
    identifier: Any = PLATE,
    *,
    kind: str = IdentifierKind.LICENCE_PLATE,
    visible_to: list[str] | None = None,
    days: int = 30,
    contact: str = "Wijkagent Zuid, 0900-8844",
    note: str = "",
    code: str = "ondermijning",
) -> Flag:
    return services.flag_create(
        actor=owner,
        data=services.FlagInput(
            kind=kind,
            identifier=identifier,
            category=category(code),
            owner_contact=contact,
            expires_on=timezone.localdate() + dt.timedelta(days=days),
            visible_to=["police", "municipality"] if visible_to is None else visible_to,
            note=note,
        ),
    )


def submit_report(reporter: Any, *, run_commit: bool = True, **overrides: Any) -> Report:
    values: dict[str, Any] = {
        "category": Category.objects.get(code="verdachte-situatie-voertuig", municipality=None),
        "description": "Een witte bestelbus reed drie keer langzaam door de straat.",
        "observed_at": timezone.now() - dt.timedelta(hours=1),
        "lat": ZUID_WEST[0],
        "lon": ZUID_WEST[1],
        "vehicles": [{"kind": "Bestelbus", "colour": "Wit", "licence_plate": "vx 123 b"}],
    }
    values.update(overrides)
    if run_commit:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return report_submit(
                reporter=reporter, data=ReportInput(**values), enforce_rate_limit=False
            )
    return report_submit(reporter=reporter, data=ReportInput(**values), enforce_rate_limit=False)


def send_alert(police: Any, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "kind": AlertKind.VEHICLE,
        "title": "Let op: witte bestelbus",
        "message": "Gezien bij inbraken. Bel 112 als je hem ziet.",
        "vehicle": {"kind": "Bestelbus", "colour": "Wit", "licence_plate": PLATE},
        "lat": ZUID_WEST[0],
        "lon": ZUID_WEST[1],
    }
    values.update(overrides)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return alert_services.alert_create(actor=police, data=alert_services.AlertInput(**values))


def spoken_with(**conversation: Any) -> dict[str, Any]:
    talk = {"saw_something": "no", "camera": "no", "contact_consent": "no", **conversation}
    return {"outcome": "gesproken", "conversation": talk, "leaflet_left": "no"}


def vehicle_answers(plate: str = "vx-123-b", what_seen: str = "") -> dict[str, Any]:
    return spoken_with(
        saw_something="yes",
        what_seen=what_seen or "Een witte bus stond lang met draaiende motor.",
        vehicle_seen="yes",
        vehicle_kind="van",
        vehicle_colour="wit",
        licence_plate=plate,
    )


def start_inquiry(world: World) -> Any:
    return inquiry_services.inquiry_start(
        actor=world.coordinator,
        data=inquiry_services.InquiryInput(
            community=world.community,
            kind=IncidentKind.BURGLARY,
            occurred_at=timezone.now() - dt.timedelta(hours=3),
            victim_address=world.victim,
            radius_m=100,
            summary="Inbraak via de achterdeur.",
        ),
    )


def record_visit(
    world: World, inquiry: Any, answers: dict[str, Any], key: str = "k-visit-0001"
) -> Any:
    """The wijkagent visits the victim's door (no canvasser mark needed for that)."""
    stop = inquiry.addresses.get(is_victim=True)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return inquiry_services.visit_record(
            actor=world.police_zuid, stop=stop, answers=answers, idempotency_key=key
        )
