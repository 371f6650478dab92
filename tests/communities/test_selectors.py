"""Deny-by-default reads: who sees which community and which members."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from samenveilig.accounts.models import Role
from samenveilig.communities import selectors
from samenveilig.communities.models import CommunityKind, MembershipRole, MembershipStatus
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(town):
    return CommunityFactory(
        name="Team Noord",
        kind=CommunityKind.INVESTIGATION_TEAM,
        is_open=False,
        areas=[town["noord_oost"]],
    )


def _names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


def test_given_anonymous_then_no_communities_visible(community):
    assert not selectors.communities_visible_to(AnonymousUser()).exists()


def test_given_resident_then_investigation_team_is_hidden(community, team, resident):
    assert _names(selectors.communities_visible_to(resident)) == {"Waakzaam Noord"}


def test_given_team_member_then_own_team_is_visible(community, team):
    member = MembershipFactory(community=team, role=MembershipRole.INVESTIGATOR)
    assert "Team Noord" in _names(selectors.communities_visible_to(member.user))


def test_given_pending_team_row_then_team_still_hidden(team):
    pending = MembershipFactory(community=team, status=MembershipStatus.REQUESTED)
    assert "Team Noord" not in _names(selectors.communities_visible_to(pending.user))


def test_given_police_then_investigation_teams_only_in_jurisdiction(town, team):
    CommunityFactory(
        name="Team Zuid", kind=CommunityKind.INVESTIGATION_TEAM, areas=[town["zuid_west"]]
    )
    officer = UserFactory()
    grant(officer, Role.POLICE, town["noord"])

    names = _names(selectors.communities_visible_to(officer))

    assert "Team Noord" in names
    assert "Team Zuid" not in names


def test_given_inactive_community_then_hidden_even_from_admin(town):
    CommunityFactory(name="Oud", is_active=False, areas=[town["zuid_west"]])
    admin = UserFactory(is_superuser=True)
    assert "Oud" not in _names(selectors.communities_visible_to(admin))


def test_given_filters_then_list_is_narrowed_by_kind_and_neighbourhood(town, community):
    CommunityFactory(name="App Zuid", kind=CommunityKind.WHATSAPP_GROUP, areas=[town["zuid_west"]])
    CommunityFactory(name="Heel Noord", kind=CommunityKind.PATROL, areas=[town["noord"]])
    user = UserFactory()

    assert _names(selectors.communities_for_list(user, kind="whatsapp_group")) == {"App Zuid"}
    assert _names(selectors.communities_for_list(user, neighbourhood=town["noord_west"])) == {
        "Waakzaam Noord",
        "Heel Noord",
    }


def test_given_list_then_verified_count_excludes_requests_and_leavers(community):
    MembershipFactory(community=community)
    MembershipFactory(community=community)
    MembershipFactory(community=community, status=MembershipStatus.REQUESTED)
    MembershipFactory(community=community, status=MembershipStatus.LEFT)

    [row] = selectors.communities_for_list(UserFactory())

    assert row.verified_count == 2


def test_given_coordinator_of_a_then_members_of_b_are_empty(community, coordinator, town):
    other = CommunityFactory(areas=[town["zuid_west"]])
    MembershipFactory(community=other)
    MembershipFactory(community=other, status=MembershipStatus.REQUESTED)

    assert not selectors.verified_members_of(coordinator.user, other).exists()
    assert not selectors.join_requests_of(coordinator.user, other).exists()
    assert selectors.verified_members_of(coordinator.user, community).count() == 1


def test_given_non_member_then_coordinators_are_not_shown(community, coordinator, resident):
    assert selectors.coordinators_of(resident, community) == []
    member = MembershipFactory(community=community)
    assert selectors.coordinators_of(member.user, community) == [coordinator]
