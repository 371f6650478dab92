"""Reads of communities, already scoped to what the user may see (deny by default)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from samenveilig.accounts.models import Role, User
from samenveilig.accounts.roles import AnyUser, has_role, is_admin, jurisdiction_area_ids
from samenveilig.areas.models import Area, AreaLevel
from samenveilig.areas.selectors import area_and_ancestor_ids, area_ids_within
from samenveilig.communities.models import (
    AlertSubscription,
    Community,
    CommunityKind,
    Membership,
    MembershipRole,
    MembershipStatus,
    WatchPoint,
)

COORDINATING_ROLES = (MembershipRole.COORDINATOR,)


def memberships_of(user: AnyUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user).select_related("community").order_by("community__name")
    )


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
        verified_count=Count(
            "memberships", filter=Q(memberships__status=MembershipStatus.VERIFIED), distinct=True
        )
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


def community_visible_or_none(user: AnyUser, slug: str) -> Community | None:
    """The community with this slug when the user may see it; ``None`` otherwise (show a 404)."""
    return communities_visible_to(user).filter(slug=slug).prefetch_related("areas").first()


def communities_for_list(
    user: AnyUser, *, kind: str = "", neighbourhood: Area | None = None
) -> QuerySet[Community]:
    """Visible communities with their verified member count, optionally filtered.

    A neighbourhood filter also finds communities that cover the district or municipality the
    neighbourhood lies in.
    """
    queryset = communities_visible_to(user)
    if kind:
        queryset = queryset.filter(kind=kind)
    if neighbourhood is not None:
        ids = Community.objects.filter(areas__id__in=area_and_ancestor_ids(neighbourhood))
        queryset = queryset.filter(id__in=ids.values("id"))
    return communities_with_counts(queryset).order_by("name")


def neighbourhoods_for_filter(user: AnyUser) -> QuerySet[Area]:
    """Neighbourhoods covered by communities the user can see (for the list filter)."""
    covered = Area.objects.filter(communities__in=communities_visible_to(user)).values_list(
        "id", flat=True
    )
    ids = area_ids_within(set(covered))
    return Area.objects.filter(id__in=ids, level=AreaLevel.NEIGHBOURHOOD).order_by("name")


def membership_of(user: AnyUser, community: Community) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, community=community).first()


def coordinators_of(user: AnyUser, community: Community) -> list[Membership]:
    """The community's coordinators (and team leads), for verified members only."""
    from samenveilig.communities.permissions import MANAGING_ROLES, user_can_see_coordinators

    if not user_can_see_coordinators(user, community):
        return []
    return list(
        Membership.objects.filter(
            community=community, status=MembershipStatus.VERIFIED, role__in=MANAGING_ROLES
        )
        .select_related("user")
        .order_by("role", "user__display_name", "pk")
    )


def _managed_memberships(user: AnyUser, community: Community) -> QuerySet[Membership]:
    from samenveilig.communities.permissions import user_can_manage_members

    if not user_can_manage_members(user, community):
        return Membership.objects.none()
    return Membership.objects.filter(community=community).select_related("user", "decided_by")


def join_requests_of(user: AnyUser, community: Community) -> QuerySet[Membership]:
    """Open join requests of a community; empty unless the user manages it."""
    return (
        _managed_memberships(user, community)
        .filter(status=MembershipStatus.REQUESTED)
        .order_by("created_at", "pk")
    )


def verified_members_of(user: AnyUser, community: Community) -> QuerySet[Membership]:
    """Verified members of a community; empty unless the user manages it."""
    return (
        _managed_memberships(user, community)
        .filter(status=MembershipStatus.VERIFIED)
        .order_by("user__display_name", "pk")
    )


def managed_membership_or_none(
    user: AnyUser, community: Community, membership_id: int
) -> Membership | None:
    return _managed_memberships(user, community).filter(pk=membership_id).first()


def watch_points_of(user: AnyUser) -> QuerySet[WatchPoint]:
    if not user.is_authenticated:
        return WatchPoint.objects.none()
    return (
        WatchPoint.objects.filter(user=user)
        .select_related("neighbourhood", "address")
        .order_by("-is_home", "label", "pk")
    )


def subscribed_kinds(user: AnyUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(AlertSubscription.objects.filter(user=user).values_list("kind", flat=True))


def areas_for_new_community(user: AnyUser) -> QuerySet[Area]:
    """Areas a user may choose when creating a community: all for admins, else jurisdiction."""
    if not user.is_authenticated:
        return Area.objects.none()
    if is_admin(user):
        return Area.objects.order_by("level", "name")
    if has_role(user, Role.MUNICIPALITY):
        return Area.objects.filter(id__in=jurisdiction_area_ids(user, Role.MUNICIPALITY)).order_by(
            "level", "name"
        )
    return Area.objects.none()
