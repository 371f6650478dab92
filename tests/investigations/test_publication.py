"""INV-8: suspects' identifiers recorded in a case can never be published; and the decoy-log
four-eyes (a lead never lifts the block of a decoy log they added)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from samenveilig.communities.models import CommunityKind, MembershipRole
from samenveilig.core.models import AuditEvent
from samenveilig.investigations import publication, services
from samenveilig.investigations.models import CaseStatus, Method, SuspectIdentifier
from tests.factories import AreaFactory, CommunityFactory

from .conftest import agreement, approved_case, investigator, open_case

pytestmark = pytest.mark.django_db


def _town_case(world, identifiers):
    return services.case_open(
        actor=world.opener,
        team=world.team,
        offence=world.fraud,
        suspicion="Advertenties ver onder de prijs.",
        confirm="Meer kopers melden hetzelfde.",
        disprove="Alles wordt geleverd.",
        scope="Marktplaats",
        methods=[Method.OBSERVE_PUBLIC],
        identifiers=identifiers,
    )


def test_identifiers_are_stored_as_keyed_hashes_and_encrypted(world):
    case = _town_case(world, ["Jan de Vries", "@JanV_1990", "jan de vries"])
    rows = list(SuspectIdentifier.objects.filter(case=case))
    assert len(rows) == 2  # the same name twice is one identifier
    for row in rows:
        assert "vries" not in row.value_encrypted.lower() and "1990" not in row.value_encrypted
        assert len(row.digest) == 64
    assert sorted(services.identifiers_read(actor=world.second, case=case)) == [
        "@JanV_1990",
        "Jan de Vries",
    ]
    event = AuditEvent.objects.get(action="investigations.case_open")
    assert event.details["identifiers"] == 2
    assert "Vries" not in str(event.details)


@pytest.mark.parametrize(
    "text, found",
    [
        ("Let op: JAN DE VRIES biedt telefoons aan", True),
        ("Jan  de   Vriës, bekend van Marktplaats", True),  # spaces and accents do not matter
        ("Volg janv_1990 niet", True),
        ("Account @janv_1990!", True),
        ("Jan de Boer en Vries", False),
        ("janv_19901 is iemand anders", False),
        ("Oplichting met telefoons op Marktplaats", False),
    ],
)
def test_the_guard_finds_identifiers_in_free_text(world, text, found):
    _town_case(world, ["Jan de Vries", "@JanV_1990"])
    assert publication.recorded_in_area([text], [world.area.pk]) is found


def test_the_guard_is_scoped_to_the_town_of_the_team(world):
    _town_case(world, ["Jan de Vries"])
    elsewhere = AreaFactory()
    assert publication.recorded_in_area(["Jan de Vries"], [elsewhere.pk]) is False
    with pytest.raises(publication.PublicationRefused) as caught:
        publication.check_publication(["Pas op voor Jan de Vries"], [world.area.pk])
    # The refusal names no case, team or identifier.
    message = caught.value.message
    assert "Vries" not in message and "Z-" not in message and world.team.name not in message


def test_identifiers_can_be_added_later_by_the_team_only(world):
    case = open_case(world)
    assert services.identifiers_add(actor=world.second, case=case, identifiers=["Piet Pietersen"])
    assert publication.recorded_in_area(["piet pietersen"], [world.area.pk])
    for who in (world.member, world.outsider, world.police):
        with pytest.raises(PermissionDenied):
            services.identifiers_add(actor=who, case=case, identifiers=["Klaas"])
    with pytest.raises(PermissionDenied):
        services.identifiers_read(actor=world.outsider, case=case)
    assert AuditEvent.objects.filter(action="investigations.case_read_refused").exists()


@pytest.mark.parametrize("value", ["Jo", " @ ", "een twee drie vier vijf zes"])
def test_unusable_identifiers_are_refused(world, value):
    case = open_case(world)
    with pytest.raises(services.CaseError) as caught:
        services.identifiers_add(actor=world.opener, case=case, identifiers=[value])
    assert "identifiers" in caught.value.errors


def test_identifiers_of_a_purged_case_no_longer_block(world, settings):
    import datetime as dt

    from django.utils import timezone

    settings.INVESTIGATIONS_RETENTION_DAYS = 1
    case = _town_case(world, ["Jan de Vries"])
    services.case_join(actor=world.second, case=case)
    services.case_approve(actor=world.lead, case=case)
    services.case_close(actor=world.lead, case=case, outcome="disproved")
    services.purge_cases(timezone.now() + dt.timedelta(days=2))
    assert not SuspectIdentifier.objects.exists()
    assert publication.recorded_in_area(["Jan de Vries"], [world.area.pk]) is False


# --- decoy-log four-eyes -------------------------------------------------------------------------

BLOCKING_LOG = "20:00 lisa13: ik ben 13\n20:01 lisa13: wil je naaktfoto's?\n20:02 jan: ok"


def _blocked_by(world, collector):
    agreement(world.team)
    case = approved_case(world, offence=world.grooming, methods=[Method.DECOY])
    if collector not in (world.opener, world.second):
        services.case_join(actor=collector, case=case)
    services.evidence_add(
        actor=collector,
        case=case,
        kind="decoy_log",
        source="Chat app",
        relevance="confirms",
        relevance_reason="Gesprek met de verdachte.",
        text=BLOCKING_LOG,
        decoy_handle="lisa13",
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REVIEW
    return case


def test_the_lead_who_added_the_decoy_log_cannot_lift_its_block(world):
    case = _blocked_by(world, world.lead)
    assert case.blocked_by_item.collected_by_id == world.lead.pk
    with pytest.raises(services.CaseError, match="another lead"):
        services.case_review(actor=world.lead, case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.REVIEW
    other_lead = investigator(world.team, MembershipRole.TEAM_LEAD)
    services.case_review(actor=other_lead, case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED and case.blocked_by_item is None
    review = AuditEvent.objects.get(action="investigations.entrapment_review")
    assert review.actor_id == other_lead.pk


def test_a_lead_reviews_a_block_added_by_an_investigator(world):
    from samenveilig.investigations import permissions

    case = _blocked_by(world, world.opener)
    assert permissions.user_can_review_case(world.lead, case)
    assert not permissions.user_can_review_case(world.opener, case)
    with pytest.raises(PermissionDenied):
        services.case_review(actor=world.opener, case=case)
    services.case_review(actor=world.lead, case=case)


def test_a_lead_of_another_team_cannot_review(world):
    case = _blocked_by(world, world.lead)
    foreign = CommunityFactory(kind=CommunityKind.INVESTIGATION_TEAM, areas=[world.area])
    foreign_lead = investigator(foreign, MembershipRole.TEAM_LEAD)
    with pytest.raises(PermissionDenied):
        services.case_review(actor=foreign_lead, case=case)
