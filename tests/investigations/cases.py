"""A case of an investigation team that records suspects' identifiers, for tests of the
publication guard (INV-8) in the apps that publish text: alerts, community tasks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from samenveilig.communities.models import CommunityKind, MembershipRole
from samenveilig.investigations import services
from samenveilig.investigations.models import Case, Method, Offence
from samenveilig.training.models import Certificate
from samenveilig.training.permissions import INVESTIGATION, REQUIRED_MODULES
from tests.factories import CommunityFactory, MembershipFactory, UserFactory


def certified_investigator(team: Any, role: str = MembershipRole.INVESTIGATOR) -> Any:
    user = UserFactory()
    MembershipFactory(community=team, user=user, role=role)
    now = timezone.now()
    for module in REQUIRED_MODULES[INVESTIGATION]:
        Certificate.objects.create(
            user=user, module=module, issued_at=now, valid_until=now + dt.timedelta(days=700)
        )
    return user


def case_naming(area: Any, identifiers: list[str]) -> Case:
    """An open case of a new team working in ``area`` with these suspects' identifiers."""
    team = CommunityFactory(kind=CommunityKind.INVESTIGATION_TEAM, areas=[area])
    return services.case_open(
        actor=certified_investigator(team),
        team=team,
        offence=Offence.objects.get(code="fraud"),
        suspicion="Telefoons verkocht, nooit geleverd.",
        confirm="Meer kopers met dezelfde rekening.",
        disprove="Alles geleverd.",
        scope="Marktplaats",
        methods=[Method.OBSERVE_PUBLIC],
        identifiers=identifiers,
    )
