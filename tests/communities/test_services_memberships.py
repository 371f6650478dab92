"""COM-3 services: join requests, decisions, leaving, roles, invitations, creation."""

from __future__ import annotations

import pytest

from samenveilig.accounts.models import Role
from samenveilig.communities import services
from samenveilig.communities.errors import CommunityError
from samenveilig.communities.models import (
    Community,
    CommunityKind,
    Membership,
    MembershipRole,
    MembershipStatus,
)
from samenveilig.core.audit import verify_chain
from samenveilig.core.models import AuditEvent
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))


# --- join_request ------------------------------------------------------------------------------


def test_given_open_community_when_resident_asks_to_join_then_request_is_pending_and_audited(
    community, resident
):
    membership = services.join_request(
        user=resident, community=community, motivation="  Ik help graag  "
    )

    assert membership.status == MembershipStatus.REQUESTED
    assert membership.role == MembershipRole.MEMBER
    assert membership.motivation == "Ik help graag"
    event = AuditEvent.objects.get(action="communities.join_requested")
    assert event.actor_id == resident.pk
    assert event.object_id == str(membership.pk)
    assert event.details == {"community_id": community.pk, "previous_status": ""}
    assert verify_chain() == []


def test_given_closed_community_when_asking_to_join_then_refused_and_nothing_saved(town, resident):
    closed = CommunityFactory(is_open=False, areas=[town["zuid_west"]])

    with pytest.raises(CommunityError):
        services.join_request(user=resident, community=closed, motivation="")

    assert not Membership.objects.exists()
    assert not AuditEvent.objects.exists()


def test_given_investigation_team_when_asking_to_join_then_refused_invitation_only(town, resident):
    team = CommunityFactory(kind=CommunityKind.INVESTIGATION_TEAM, areas=[town["zuid_west"]])

    with pytest.raises(CommunityError, match="invitation"):
        services.join_request(user=resident, community=team, motivation="")

    assert not Membership.objects.exists()


def test_given_pending_request_when_asking_again_then_refused_as_duplicate(community, resident):
    services.join_request(user=resident, community=community, motivation="")

    with pytest.raises(CommunityError):
        services.join_request(user=resident, community=community, motivation="nog eens")

    assert Membership.objects.count() == 1


def test_given_verified_member_when_asking_to_join_then_refused(community):
    member = MembershipFactory(community=community)

    with pytest.raises(CommunityError):
        services.join_request(user=member.user, community=community, motivation="")


@pytest.mark.parametrize("status", [MembershipStatus.REJECTED, MembershipStatus.LEFT])
def test_given_rejected_or_left_when_asking_again_then_same_row_is_reused(community, status):
    old = MembershipFactory(
        community=community, status=status, role=MembershipRole.MEMBER, decision_note="eerder"
    )

    again = services.join_request(user=old.user, community=community, motivation="tweede keer")

    assert again.pk == old.pk
    assert again.status == MembershipStatus.REQUESTED
    assert again.decision_note == ""
    assert again.decided_by is None
    assert Membership.objects.count() == 1
    assert AuditEvent.objects.get().details["previous_status"] == status


def test_given_too_long_motivation_when_asking_to_join_then_refused(community, resident):
    with pytest.raises(CommunityError) as info:
        services.join_request(user=resident, community=community, motivation="x" * 1001)
    assert info.value.field == "motivation"


# --- verify / reject ----------------------------------------------------------------------------


def test_given_request_when_coordinator_verifies_then_member_and_audited(community, coordinator):
    request = MembershipFactory(community=community, status=MembershipStatus.REQUESTED)

    result = services.membership_verify(actor=coordinator.user, membership=request, note="Welkom")

    result.refresh_from_db()
    assert result.status == MembershipStatus.VERIFIED
    assert result.decided_by == coordinator.user
    assert result.decided_at is not None
    assert result.decision_note == "Welkom"
    event = AuditEvent.objects.get(action="communities.membership_verified")
    assert event.actor_id == coordinator.user.pk
    assert event.details == {
        "community_id": community.pk,
        "status": "verified",
        "with_note": True,
    }


def test_given_request_when_coordinator_rejects_then_rejected_and_audited(community, coordinator):
    request = MembershipFactory(community=community, status=MembershipStatus.REQUESTED)

    services.membership_reject(actor=coordinator.user, membership=request)

    request.refresh_from_db()
    assert request.status == MembershipStatus.REJECTED
    assert _actions() == ["communities.membership_rejected"]


def test_given_request_when_admin_verifies_then_allowed(community):
    admin = UserFactory()
    grant(admin, Role.ADMIN)
    request = MembershipFactory(community=community, status=MembershipStatus.REQUESTED)

    services.membership_verify(actor=admin, membership=request)

    request.refresh_from_db()
    assert request.status == MembershipStatus.VERIFIED


def test_given_plain_member_when_verifying_then_refused(community):
    member = MembershipFactory(community=community)
    request = MembershipFactory(community=community, status=MembershipStatus.REQUESTED)

    with pytest.raises(CommunityError):
        services.membership_verify(actor=member.user, membership=request)

    request.refresh_from_db()
    assert request.status == MembershipStatus.REQUESTED
    assert not AuditEvent.objects.exists()


def test_given_coordinator_of_other_community_when_verifying_then_refused(community, town):
    other = MembershipFactory(
        community=CommunityFactory(areas=[town["zuid_oost"]]), role=MembershipRole.COORDINATOR
    )
    request = MembershipFactory(community=community, status=MembershipStatus.REQUESTED)

    with pytest.raises(CommunityError):
        services.membership_reject(actor=other.user, membership=request)

    request.refresh_from_db()
    assert request.status == MembershipStatus.REQUESTED


def test_given_unverified_coordinator_row_when_verifying_then_refused(community):
    pending_coordinator = MembershipFactory(
        community=community, role=MembershipRole.COORDINATOR, status=MembershipStatus.LEFT
    )
    request = MembershipFactory(community=community, status=MembershipStatus.REQUESTED)

    with pytest.raises(CommunityError):
        services.membership_verify(actor=pending_coordinator.user, membership=request)


def test_given_decided_request_when_deciding_again_then_refused(community, coordinator):
    request = MembershipFactory(community=community, status=MembershipStatus.REQUESTED)
    services.membership_verify(actor=coordinator.user, membership=request)

    with pytest.raises(CommunityError):
        services.membership_reject(actor=coordinator.user, membership=request)

    request.refresh_from_db()
    assert request.status == MembershipStatus.VERIFIED


# --- leave --------------------------------------------------------------------------------------


def test_given_member_when_leaving_then_left_and_audited(community):
    member = MembershipFactory(community=community)

    services.membership_leave(user=member.user, membership=member)

    member.refresh_from_db()
    assert member.status == MembershipStatus.LEFT
    assert AuditEvent.objects.get().details["previous_status"] == "verified"


def test_given_pending_request_when_leaving_then_request_is_withdrawn(community, resident):
    request = services.join_request(user=resident, community=community, motivation="")

    services.membership_leave(user=resident, membership=request)

    request.refresh_from_db()
    assert request.status == MembershipStatus.LEFT


def test_given_last_coordinator_with_members_when_leaving_then_refused_hand_over_first(
    community, coordinator
):
    MembershipFactory(community=community)

    with pytest.raises(CommunityError, match="coordinator"):
        services.membership_leave(user=coordinator.user, membership=coordinator)

    coordinator.refresh_from_db()
    assert coordinator.status == MembershipStatus.VERIFIED


def test_given_second_coordinator_when_one_leaves_then_allowed(community, coordinator):
    MembershipFactory(community=community)
    MembershipFactory(community=community, role=MembershipRole.COORDINATOR)

    services.membership_leave(user=coordinator.user, membership=coordinator)

    coordinator.refresh_from_db()
    assert coordinator.status == MembershipStatus.LEFT
    assert coordinator.role == MembershipRole.MEMBER


def test_given_coordinator_alone_when_leaving_then_allowed(community, coordinator):
    services.membership_leave(user=coordinator.user, membership=coordinator)

    coordinator.refresh_from_db()
    assert coordinator.status == MembershipStatus.LEFT


def test_given_someone_elses_membership_when_leaving_then_refused(community, resident):
    member = MembershipFactory(community=community)

    with pytest.raises(CommunityError):
        services.membership_leave(user=resident, membership=member)

    member.refresh_from_db()
    assert member.status == MembershipStatus.VERIFIED


# --- roles --------------------------------------------------------------------------------------


def test_given_coordinator_when_making_member_coordinator_then_role_set_and_audited(
    community, coordinator
):
    member = MembershipFactory(community=community)

    services.membership_set_role(
        actor=coordinator.user, membership=member, role=MembershipRole.COORDINATOR
    )

    member.refresh_from_db()
    assert member.role == MembershipRole.COORDINATOR
    assert AuditEvent.objects.get().details == {
        "community_id": community.pk,
        "previous_role": "member",
        "role": "coordinator",
    }


def test_given_patrol_when_setting_investigator_role_then_refused(community, coordinator):
    member = MembershipFactory(community=community)

    with pytest.raises(CommunityError) as info:
        services.membership_set_role(
            actor=coordinator.user, membership=member, role=MembershipRole.INVESTIGATOR
        )

    assert info.value.field == "role"
    member.refresh_from_db()
    assert member.role == MembershipRole.MEMBER


def test_given_investigation_team_when_team_lead_sets_investigator_then_allowed(town):
    team = CommunityFactory(
        kind=CommunityKind.INVESTIGATION_TEAM, is_open=False, areas=[town["noord_oost"]]
    )
    lead = MembershipFactory(community=team, role=MembershipRole.TEAM_LEAD)
    member = MembershipFactory(community=team)

    services.membership_set_role(
        actor=lead.user, membership=member, role=MembershipRole.INVESTIGATOR
    )

    member.refresh_from_db()
    assert member.role == MembershipRole.INVESTIGATOR


def test_given_member_when_changing_roles_then_refused(community, coordinator):
    member = MembershipFactory(community=community)

    with pytest.raises(CommunityError):
        services.membership_set_role(
            actor=member.user, membership=member, role=MembershipRole.COORDINATOR
        )


def test_given_last_coordinator_when_demoting_self_then_refused(community, coordinator):
    with pytest.raises(CommunityError):
        services.membership_set_role(
            actor=coordinator.user, membership=coordinator, role=MembershipRole.MEMBER
        )

    coordinator.refresh_from_db()
    assert coordinator.role == MembershipRole.COORDINATOR


def test_given_unknown_role_when_setting_then_refused(community, coordinator):
    member = MembershipFactory(community=community)

    with pytest.raises(CommunityError):
        services.membership_set_role(actor=coordinator.user, membership=member, role="boss")


# --- invitations (investigation teams) ----------------------------------------------------------


def test_given_investigation_team_when_lead_invites_then_verified_member_added(town):
    team = CommunityFactory(
        kind=CommunityKind.INVESTIGATION_TEAM, is_open=False, areas=[town["noord_oost"]]
    )
    lead = MembershipFactory(community=team, role=MembershipRole.TEAM_LEAD)
    invitee = UserFactory()

    membership = services.member_invite(
        actor=lead.user, community=team, user=invitee, role=MembershipRole.INVESTIGATOR
    )

    assert membership.status == MembershipStatus.VERIFIED
    assert membership.role == MembershipRole.INVESTIGATOR
    assert _actions() == ["communities.member_invited"]


def test_given_patrol_when_inviting_then_refused(community, coordinator, resident):
    with pytest.raises(CommunityError):
        services.member_invite(
            actor=coordinator.user, community=community, user=resident, role=MembershipRole.MEMBER
        )
    assert not Membership.objects.filter(user=resident).exists()


def test_given_team_member_when_inviting_then_refused(town, resident):
    team = CommunityFactory(
        kind=CommunityKind.INVESTIGATION_TEAM, is_open=False, areas=[town["noord_oost"]]
    )
    member = MembershipFactory(community=team, role=MembershipRole.INVESTIGATOR)

    with pytest.raises(CommunityError):
        services.member_invite(actor=member.user, community=team, user=resident, role="member")


def test_given_existing_team_member_when_invited_again_then_refused(town):
    team = CommunityFactory(
        kind=CommunityKind.INVESTIGATION_TEAM, is_open=False, areas=[town["noord_oost"]]
    )
    lead = MembershipFactory(community=team, role=MembershipRole.TEAM_LEAD)
    member = MembershipFactory(community=team)

    with pytest.raises(CommunityError):
        services.member_invite(actor=lead.user, community=team, user=member.user, role="member")


# --- community_create ---------------------------------------------------------------------------


def test_given_admin_when_creating_community_then_created_with_areas_and_audited(town):
    admin = UserFactory()
    grant(admin, Role.ADMIN)
    first = UserFactory()

    community = services.community_create(
        actor=admin,
        data={
            "name": "Samen Zuid",
            "kind": CommunityKind.PATROL,
            "areas": [town["zuid_west"]],
            "coordinator": first,
        },
    )

    assert community.slug == "samen-zuid"
    assert list(community.areas.all()) == [town["zuid_west"]]
    assert community.memberships.get().role == MembershipRole.COORDINATOR
    assert _actions() == ["communities.community_created"]


def test_given_municipality_officer_when_creating_inside_jurisdiction_then_allowed(town):
    officer = UserFactory()
    grant(officer, Role.MUNICIPALITY, town["noord"])

    community = services.community_create(
        actor=officer,
        data={
            "name": "Noord Samen",
            "kind": CommunityKind.RESIDENTS_INITIATIVE,
            "areas": [town["noord_west"], town["noord_oost"]],
        },
    )

    assert community.is_open


def test_given_municipality_officer_when_creating_outside_jurisdiction_then_refused(town):
    officer = UserFactory()
    grant(officer, Role.MUNICIPALITY, town["noord"])

    with pytest.raises(CommunityError):
        services.community_create(
            actor=officer,
            data={
                "name": "Zuid",
                "kind": CommunityKind.PATROL,
                "areas": [town["zuid_west"]],
            },
        )

    assert not Community.objects.exists()


@pytest.mark.parametrize("role", [None, Role.POLICE])
def test_given_resident_or_police_when_creating_then_refused(town, role):
    user = UserFactory()
    if role:
        grant(user, role, town["municipality"])

    with pytest.raises(CommunityError):
        services.community_create(
            actor=user,
            data={
                "name": "X",
                "kind": CommunityKind.PATROL,
                "areas": [town["zuid_west"]],
            },
        )


def test_given_investigation_team_when_created_then_never_open(town):
    admin = UserFactory(is_superuser=True)

    team = services.community_create(
        actor=admin,
        data={
            "name": "Team",
            "kind": CommunityKind.INVESTIGATION_TEAM,
            "areas": [town["zuid_west"]],
            "is_open": True,
        },
    )

    assert team.is_open is False


def test_given_taken_slug_when_creating_then_refused(town, community):
    admin = UserFactory(is_superuser=True)

    with pytest.raises(CommunityError) as info:
        services.community_create(
            actor=admin,
            data={
                "name": "Ander",
                "slug": community.slug,
                "kind": CommunityKind.PATROL,
                "areas": [town["zuid_west"]],
            },
        )

    assert info.value.field == "slug"
