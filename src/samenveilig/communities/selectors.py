"""Reads of communities, already scoped to what the user may see (deny by default)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from samenveilig.accounts.models import Role, User
from samenveilig.accounts.roles import AnyUser, has_role, is_admin, jurisdiction_area_ids
from samenveilig.communities.models import (
    Community,
    CommunityKind,
    Membership,
    MembershipRole,
    MembershipStatus,
)

COORDINATING_ROLES = (MembershipRole.COORDINATOR,)


def memberships_of(user: AnyUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("community").order_by("community__name")


def verified_community_ids(user: AnyUser) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user=user, status=MembershipStatus.VERIFIED).values_list(
            "community_id", flat=True
        )
    )


def coordinated_community_ids(user: AnyUser) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(
            user=user, status=MembershipStatus.VERIFIED, role__in=COORDINATING_ROLES
        ).values_list("community_id", flat=True)
    )


def partner_area_ids(user: AnyUser) -> set[int]:
    """Areas a police or municipality user covers (their jurisdiction and everything inside)."""
    ids: set[int] = set()
    for role in (Role.POLICE, Role.MUNICIPALITY):
        if has_role(user, role):
            ids |= jurisdiction_area_ids(user, role)
    return ids


def communities_visible_to(user: AnyUser) -> QuerySet[Community]:
    """Communities a user may see listed.

    Everyone logged in sees active open communities (to find one to join). Investigation teams
    are listed only to their own members, to partners of their jurisdiction and to admins.
    """
    if not user.is_authenticated:
        return Community.objects.none()
    base = Community.objects.filter(is_active=True)
    if is_admin(user):
        return base
    visible = ~Q(kind=CommunityKind.INVESTIGATION_TEAM) | Q(id__in=verified_community_ids(user))
    area_ids = partner_area_ids(user)
    if area_ids:
        visible |= Q(areas__id__in=area_ids)
    return base.filter(visible).distinct()


def communities_with_counts(queryset: QuerySet[Community]) -> QuerySet[Community]:
    return queryset.annotate(
        verified_count=Count("memberships", filter=Q(memberships__status=MembershipStatus.VERIFIED), distinct=True)
    ).prefetch_related("areas")


def pending_join_requests_for(user: User) -> QuerySet[Membership]:
    """Join requests waiting for this user as coordinator."""
    return (
        Membership.objects.filter(
            community_id__in=coordinated_community_ids(user), status=MembershipStatus.REQUESTED
        )
        .select_related("community", "user")
        .order_by("created_at")
    )
