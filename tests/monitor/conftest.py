"""A survey scene in the test town: a community in Noord-West with its coordinator and a member,
a municipality officer for the town, and people who must be refused (a resident, the police, the
coordinator of another community, an officer of another municipality)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from samenveilig.accounts.models import Role
from samenveilig.areas.models import AreaLevel
from samenveilig.communities.models import MembershipRole
from samenveilig.monitor import services
from samenveilig.monitor.models import Audience
from tests.factories import AreaFactory, CommunityFactory, MembershipFactory, UserFactory, grant

# A complete Communitymonitor answer: cohesion know=agree(→1), pleasant=agree(3),
# together=neutral(2), at_home=strongly_agree(4), contact=disagree(1) → 11/5 × 2.5 = 5.5.
MEMBER_ANSWERS: dict[str, str] = {
    "community_kind": "whatsapp",
    "role": "active_member",
    "feels_unsafe": "yes",
    "unsafe_frequency": "sometimes",
    "cohesion_know": "agree",
    "cohesion_pleasant": "agree",
    "cohesion_together": "neutral",
    "cohesion_at_home": "strongly_agree",
    "cohesion_contact": "disagree",
    "police_cooperation": "agree",
    "municipality_cooperation": "dont_know",
    "recognition": "strongly_agree",
    "follow_up": "strongly_disagree",
    "remarks": "Meer verlichting bij het speelveld graag.",
}

RESIDENT_ANSWERS: dict[str, str] = {
    "is_member": "no",
    "feels_unsafe": "no",
    "cohesion_know": "strongly_disagree",
    "cohesion_pleasant": "strongly_agree",
    "cohesion_together": "strongly_agree",
    "cohesion_at_home": "strongly_agree",
    "cohesion_contact": "strongly_agree",
}


@dataclass
class Scene:
    town: dict[str, Any]
    community: Any
    coordinator: Any
    co_coordinator: Any
    member: Any
    officer: Any
    police: Any
    resident: Any
    other_coordinator: Any
    other_officer: Any
    other_town: Any

    def open_round(self, actor: Any = None, *, audience: str = Audience.MEMBERS, **scope: Any):
        now = timezone.now()
        if not scope:
            scope = {"community": self.community}
        return services.round_open(
            actor=actor or self.coordinator,
            name="Communitymonitor voorjaar",
            audience=audience,
            opens_at=now - dt.timedelta(hours=1),
            closes_at=now + dt.timedelta(days=14),
            **scope,
        )


@pytest.fixture
def scene(town) -> Scene:
    community = CommunityFactory(name="Buurtpreventie Noord-West", areas=[town["noord_west"]])
    other_community = CommunityFactory(name="Buurtpreventie Zuid", areas=[town["zuid_west"]])
    coordinator = MembershipFactory(community=community, role=MembershipRole.COORDINATOR).user
    co_coordinator = MembershipFactory(community=community, role=MembershipRole.COORDINATOR).user
    member = MembershipFactory(community=community).user
    other_coordinator = MembershipFactory(
        community=other_community, role=MembershipRole.COORDINATOR
    ).user
    officer = UserFactory()
    grant(officer, Role.MUNICIPALITY, town["municipality"])
    police = UserFactory()
    grant(police, Role.POLICE, town["municipality"])
    other_town = AreaFactory(code="GM8888", name="Anderstad", level=AreaLevel.MUNICIPALITY)
    other_officer = UserFactory()
    grant(other_officer, Role.MUNICIPALITY, other_town)
    return Scene(
        town=town,
        community=community,
        coordinator=coordinator,
        co_coordinator=co_coordinator,
        member=member,
        officer=officer,
        police=police,
        resident=UserFactory(),
        other_coordinator=other_coordinator,
        other_officer=other_officer,
        other_town=other_town,
    )
