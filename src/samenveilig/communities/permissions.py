"""Named permission predicates for communities (deny by default).

Each predicate answers one question for one user and object; anything not explicitly allowed is
refused. Anonymous users are refused everything.
"""

from __future__ import annotations

from collections.abc import Iterable

from samenveilig.accounts.models import Role
from samenveilig.accounts.roles import AnyUser, has_role, is_admin, jurisdiction_area_ids
from samenveilig.communities.models import (
    Community,
    CommunityKind,
    Membership,
    MembershipRole,
    MembershipStatus,
)

# Roles that run a community: coordinators everywhere, team leads in investigation teams.
MANAGING_ROLES = frozenset({MembershipRole.COORDINATOR, MembershipRole.TEAM_LEAD})
# Roles that exist only inside investigation teams (INV-1).
INVESTIGATION_ONLY_ROLES = frozenset({MembershipRole.INVESTIGATOR, MembershipRole.TEAM_LEAD})


def _verified_membership(user: AnyUser, community: Community) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(
        user=user, community=community, status=MembershipStatus.VERIFIED
    ).first()


def is_verified_member(user: AnyUser, community: Community) -> bool:
    return _verified_membership(user, community) is not None


def is_community_manager(user: AnyUser, community: Community) -> bool:
    """A verified coordinator (or, in an investigation team, team lead) of this community."""
    membership = _verified_membership(user, community)
    if membership is None:
        return False
    if membership.role == MembershipRole.COORDINATOR:
        return True
    return (
        membership.role == MembershipRole.TEAM_LEAD
        and community.kind == CommunityKind.INVESTIGATION_TEAM
    )


def user_can_view_community(user: AnyUser, community: Community) -> bool:
    from samenveilig.communities.selectors import communities_visible_to

    return communities_visible_to(user).filter(pk=community.pk).exists()


def user_can_manage_members(user: AnyUser, community: Community) -> bool:
    """Open the members page, decide join requests and change roles."""
    if not user.is_authenticated:
        return False
    return is_admin(user) or is_community_manager(user, community)


def user_can_decide_join_request(user: AnyUser, membership: Membership) -> bool:
    return user_can_manage_members(user, membership.community)


def user_can_see_member_emails(user: AnyUser) -> bool:
    """E-mail addresses of members are shown to deployment admins only."""
    return user.is_authenticated and is_admin(user)


def user_can_see_coordinators(user: AnyUser, community: Community) -> bool:
    """Verified members (and whoever manages the community) see the coordinators' public names."""
    return is_verified_member(user, community) or user_can_manage_members(user, community)


def community_accepts_requests(community: Community) -> bool:
    return (
        community.is_active
        and community.is_open
        and community.kind != CommunityKind.INVESTIGATION_TEAM
    )


def user_can_invite_members(user: AnyUser, community: Community) -> bool:
    """Investigation teams recruit by invitation only; their coordinator or team lead invites."""
    return community.kind == CommunityKind.INVESTIGATION_TEAM and user_can_manage_members(
        user, community
    )


def role_allowed_in(role: str, community: Community) -> bool:
    if role not in MembershipRole.values:
        return False
    if role in INVESTIGATION_ONLY_ROLES:
        return community.kind == CommunityKind.INVESTIGATION_TEAM
    return True


def user_can_create_community(user: AnyUser, area_ids: Iterable[int] | None = None) -> bool:
    """Admins anywhere; municipality officers for areas inside their jurisdiction.

    Without ``area_ids`` the question is whether the user may create a community at all.
    """
    if not user.is_authenticated:
        return False
    if is_admin(user):
        return True
    if not has_role(user, Role.MUNICIPALITY):
        return False
    if area_ids is None:
        return True
    wanted = set(area_ids)
    return bool(wanted) and wanted <= jurisdiction_area_ids(user, Role.MUNICIPALITY)
