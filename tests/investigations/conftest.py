"""A town with an investigation team: two certified investigators, a certified lead, an
ordinary member, an uncertified investigator, police of the area and police elsewhere."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation

from samenveilig.accounts.models import Role
from samenveilig.communities.models import CommunityKind, MembershipRole
from samenveilig.investigations import services
from samenveilig.investigations.models import Method, Offence, PoliceAgreement
from samenveilig.training.models import Certificate
from samenveilig.training.permissions import INVESTIGATION, REQUIRED_MODULES
from tests.factories import AreaFactory, CommunityFactory, MembershipFactory, UserFactory, grant


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def certify(user) -> None:
    now = timezone.now()
    for module in REQUIRED_MODULES[INVESTIGATION]:
        Certificate.objects.create(
            user=user, module=module, issued_at=now, valid_until=now + dt.timedelta(days=700)
        )


def investigator(team, role=MembershipRole.INVESTIGATOR, *, certified=True):
    user = UserFactory()
    MembershipFactory(community=team, user=user, role=role)
    if certified:
        certify(user)
    return user


@pytest.fixture
def world(db):
    area = AreaFactory()
    elsewhere = AreaFactory()
    team = CommunityFactory(kind=CommunityKind.INVESTIGATION_TEAM, areas=[area])
    other_team = CommunityFactory(kind=CommunityKind.INVESTIGATION_TEAM, areas=[area])
    police = UserFactory()
    grant(police, Role.POLICE, area)
    far_police = UserFactory()
    grant(far_police, Role.POLICE, elsewhere)
    member = UserFactory()
    MembershipFactory(community=team, user=member, role=MembershipRole.MEMBER)
    certify(member)
    return SimpleNamespace(
        area=area,
        team=team,
        other_team=other_team,
        opener=investigator(team),
        second=investigator(team),
        lead=investigator(team, MembershipRole.TEAM_LEAD),
        uncertified=investigator(team, certified=False),
        outsider=investigator(other_team),
        member=member,
        police=police,
        far_police=far_police,
        fraud=Offence.objects.get(code="fraud"),
        grooming=Offence.objects.get(code="grooming"),
    )


def agreement(team) -> PoliceAgreement:
    return PoliceAgreement.objects.create(
        team=team,
        signed_on=timezone.localdate() - dt.timedelta(days=10),
        police_contact="Politie Eenheid Midden, team digitale recherche",
        document_name="convenant.pdf",
        document_sha256="0" * 64,
        document_encrypted="x",
    )


def open_case(w, offence=None, methods=(Method.OBSERVE_PUBLIC,), opener=None):
    return services.case_open(
        actor=opener or w.opener,
        team=w.team,
        offence=offence or w.fraud,
        suspicion="Advertenties met telefoons ver onder de prijs, betaald maar nooit geleverd.",
        confirm="Meerdere kopers melden hetzelfde rekeningnummer.",
        disprove="De verkoper levert alsnog aan alle kopers.",
        scope="Marktplaats, advertenties in de gemeente",
        methods=list(methods),
    )


def approved_case(w, **kwargs):
    case = open_case(w, **kwargs)
    services.case_join(actor=w.second, case=case)
    return services.case_approve(actor=w.lead, case=case)


def add_note(w, case, text="Advertentie gezien op 3 maart, 20:14.", actor=None, **kwargs):
    return services.evidence_add(
        actor=actor or w.opener,
        case=case,
        kind=kwargs.pop("kind", "note"),
        source=kwargs.pop("source", "Marktplaats"),
        relevance=kwargs.pop("relevance", "confirms"),
        relevance_reason=kwargs.pop("relevance_reason", "Zelfde tekst als de gemelde advertentie."),
        text=text,
        **kwargs,
    )
