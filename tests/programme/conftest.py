from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import translation

from samenveilig.accounts.models import Role
from samenveilig.communities.models import MembershipRole
from tests.factories import AreaFactory, CommunityFactory, MembershipFactory, UserFactory, grant


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def scene(town):
    community = CommunityFactory(areas=[town["noord_west"]])
    coordinator = MembershipFactory(community=community, role=MembershipRole.COORDINATOR).user
    member = MembershipFactory(community=community).user
    municipality = UserFactory()
    grant(municipality, Role.MUNICIPALITY, town["municipality"])
    district_officer = UserFactory()
    grant(district_officer, Role.MUNICIPALITY, town["noord"])
    other_municipality = UserFactory()
    grant(other_municipality, Role.MUNICIPALITY, AreaFactory(code="GM7777", level="municipality"))
    police = UserFactory()
    grant(police, Role.POLICE, town["municipality"])
    return SimpleNamespace(
        town=town,
        community=community,
        coordinator=coordinator,
        member=member,
        municipality=municipality,
        district_officer=district_officer,
        other_municipality=other_municipality,
        police=police,
        outsider=UserFactory(),
    )
