"""Who may do what with alerts. Deny by default; every predicate is scoped by area (ALR-1, §2)."""

from __future__ import annotations

from collections.abc import Iterable

from samenveilig.accounts.models import Role
from samenveilig.accounts.roles import AnyUser, has_role, jurisdiction_area_ids
from samenveilig.alerts.models import Alert, AlertPolicy, Delivery
from samenveilig.areas.selectors import area_ids_within
from samenveilig.communities.models import Community, Membership, MembershipRole, MembershipStatus


def police_covers(user: AnyUser, area_ids: Iterable[int]) -> bool:
    """The user is police for every one of these buurten."""
    wanted = set(area_ids)
    if not wanted or not has_role(user, Role.POLICE):
        return False
    return wanted <= jurisdiction_area_ids(user, Role.POLICE)


def is_police_anywhere(user: AnyUser) -> bool:
    return user.is_authenticated and has_role(user, Role.POLICE)


def coordinated_communities_covering(user: AnyUser, area_ids: Iterable[int]) -> list[Community]:
    """Communities this user coordinates whose areas include every one of these buurten."""
    if not user.is_authenticated:
        return []
    wanted = set(area_ids)
    found = []
    memberships = Membership.objects.filter(
        user=user, status=MembershipStatus.VERIFIED, role=MembershipRole.COORDINATOR
    ).select_related("community")
    for membership in memberships:
        community = membership.community
        if not community.is_active:
            continue
        covered = area_ids_within(community.areas.values_list("id", flat=True))
        if wanted and wanted <= covered:
            found.append(community)
    return found


def coordinators_may_propose(municipality_id: int) -> bool:
    return AlertPolicy.objects.filter(
        municipality_id=municipality_id, coordinators_may_propose=True
    ).exists()


def is_coordinator_anywhere(user: AnyUser) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.filter(
            user=user, status=MembershipStatus.VERIFIED, role=MembershipRole.COORDINATOR
        ).exists()
    )


def alert_area_ids(alert: Alert) -> set[int]:
    """The buurten an alert is about: the chosen ones, or the buurt of its centre."""
    ids = set(alert.areas.values_list("id", flat=True))
    if not ids and alert.centre_neighbourhood_id:
        ids = {alert.centre_neighbourhood_id}
    return ids


def can_manage(user: AnyUser, alert: Alert) -> bool:
    """Sender-side view (progress, tips, closing message): the police of the alert's area, or the
    coordinator who proposed it."""
    if not user.is_authenticated:
        return False
    area_ids = alert_area_ids(alert)
    if police_covers(user, area_ids):
        return True
    if alert.created_by_id != user.pk or alert.community_id is None:
        return False
    # Only while they still coordinate the proposing group and it still covers the area.
    return any(c.pk == alert.community_id for c in coordinated_communities_covering(user, area_ids))


def can_decide(user: AnyUser, alert: Alert) -> bool:
    """Approve or reject a coordinator's proposal: police of the alert's area only."""
    return police_covers(user, alert_area_ids(alert))


def received(user: AnyUser, alert: Alert) -> Delivery | None:
    """The member's inbox entry for this alert: the only way a member sees an alert."""
    if not user.is_authenticated:
        return None
    return Delivery.objects.filter(alert=alert, user=user, channel="inbox", purpose="alert").first()
