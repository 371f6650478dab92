"""A canvass scene in the test town's Zuid-West buurt: two streets around a burglary, a group
with a coordinator and four canvassers, a wijkagent for the buurt and people who must be refused."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone

from samenveilig.accounts.models import Role
from samenveilig.areas.models import Address
from samenveilig.communities.models import MembershipRole
from samenveilig.inquiries.models import IncidentKind
from samenveilig.inquiries.services import InquiryInput
from samenveilig.training.content import CANVASSING
from tests.factories import (
    AddressFactory,
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    grant,
)
from tests.training.conftest import certify

CENTRE = (52.0025, 5.0025)


@dataclass
class Scene:
    town: dict[str, Any]
    community: Any
    coordinator: Any
    police: Any
    canvassers: list[Any]
    member: Any  # verified member without the training certificate (and the mark)
    outsider: Any  # no role at all
    other_police: Any  # police elsewhere
    victim: Address
    addresses: list[Address] = field(default_factory=list)
    far_away: Address | None = None

    def input(self, **overrides: Any) -> InquiryInput:
        values: dict[str, Any] = {
            "community": self.community,
            "kind": IncidentKind.BURGLARY,
            "occurred_at": timezone.now() - dt.timedelta(hours=3),
            "victim_address": self.victim,
            "summary": "Inbraak via de achterdeur, gisteravond tussen 19 en 22 uur.",
        }
        values.update(overrides)
        return InquiryInput(**values)


def _street(name: str, count: int, start: tuple[float, float], step: tuple[float, float]):
    return [
        AddressFactory(
            street=name,
            house_number=n,
            postcode=f"9{ord(name[0]) % 10}{n // 10 % 10}{n % 10}AB",
            city="Teststad",
            lat=start[0] + step[0] * (n - 1),
            lon=start[1] + step[1] * (n - 1),
        )
        for n in range(1, count + 1)
    ]


@pytest.fixture
def scene(town) -> Scene:
    community = CommunityFactory(name="Buurtpreventie Zuid", areas=[town["zuid"]])
    coordinator = UserFactory(display_name="Coördinator Cor")
    MembershipFactory(community=community, user=coordinator, role=MembershipRole.COORDINATOR)
    police = UserFactory(display_name="Wijkagent Wil")
    grant(police, Role.POLICE, town["zuid"])
    other_police = UserFactory(display_name="Agent Elders")
    grant(other_police, Role.POLICE, town["noord"])
    canvassers = []
    for name in ("Anna", "Bram", "Carla", "Dirk"):
        user = UserFactory(display_name=name)
        MembershipFactory(community=community, user=user)
        certify(user, CANVASSING)  # module 3 of the training gates canvassing
        canvassers.append(user)
    member = UserFactory(display_name="Lid zonder training")
    MembershipFactory(community=community, user=member)
    outsider = UserFactory(display_name="Buitenstaander")
    # Kerkstraat runs east-west through the centre (≈ 20 m apart), Molenweg north-south.
    kerkstraat = _street("Kerkstraat", 20, (CENTRE[0], 5.0016), (0.0, 0.0001))
    molenweg = _street("Molenweg", 12, (52.0017, 5.0030), (0.00012, 0.0))
    victim = next(a for a in kerkstraat if a.house_number == 10)
    far_away = AddressFactory(
        street="Verweg", house_number=1, postcode="9999ZZ", lat=52.0049, lon=5.0049
    )
    return Scene(
        town=town,
        community=community,
        coordinator=coordinator,
        police=police,
        canvassers=canvassers,
        member=member,
        outsider=outsider,
        other_police=other_police,
        victim=victim,
        addresses=kerkstraat + molenweg,
        far_away=far_away,
    )
