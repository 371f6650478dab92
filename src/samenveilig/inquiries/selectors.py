"""Every read on inquiries, already scoped to what the user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from samenveilig.accounts.models import Role
from samenveilig.accounts.roles import AnyUser, has_role, jurisdiction_area_ids
from samenveilig.areas.models import Address
from samenveilig.communities.models import Membership, MembershipRole, MembershipStatus
from samenveilig.core.geo import bbox_around, haversine_m
from samenveilig.inquiries.models import (
    MAX_ADDRESSES,
    CanvassAddress,
    CanvasserMark,
    CanvassRoute,
    CanvassVisit,
    Inquiry,
)
from samenveilig.inquiries.routes import Door


def inquiries_visible_to(user: AnyUser) -> QuerySet[Inquiry]:
    """Police: their jurisdiction. Coordinators: their groups. Canvassers: their groups'
    inquiries. Everyone else: nothing."""
    if not user.is_authenticated:
        return Inquiry.objects.none()
    scope = Q(pk__in=[])
    if has_role(user, Role.POLICE):
        scope |= Q(neighbourhood_id__in=jurisdiction_area_ids(user, Role.POLICE))
    verified = Membership.objects.filter(user=user, status=MembershipStatus.VERIFIED)
    scope |= Q(
        community_id__in=verified.filter(role=MembershipRole.COORDINATOR).values("community_id")
    )
    marked = CanvasserMark.objects.filter(user=user, revoked_at__isnull=True).values("community_id")
    scope |= Q(community_id__in=verified.values("community_id")) & Q(community_id__in=marked)
    return Inquiry.objects.filter(scope).select_related("community", "neighbourhood")


def routes_of(user: AnyUser) -> QuerySet[CanvassRoute]:
    """The routes this user walks, open inquiries first."""
    if not user.is_authenticated:
        return CanvassRoute.objects.none()
    return (
        CanvassRoute.objects.filter(Q(first_canvasser=user) | Q(second_canvasser=user))
        .select_related("inquiry")
        .order_by("inquiry__status", "-inquiry__created_at", "position")
    )


def doors_within(lat: float, lon: float, radius_m: float) -> list[Door]:
    """Addresses of the register within ``radius_m`` of the point: a bounding box on the
    (lat, lon) index, then the exact distance. At most ``MAX_ADDRESSES + 1`` are returned so a
    caller can tell the area is too large without loading a city."""
    box = bbox_around(lat, lon, radius_m)
    rows = Address.objects.filter(
        lat__gte=box.min_lat, lat__lte=box.max_lat, lon__gte=box.min_lon, lon__lte=box.max_lon
    ).values_list("id", "street", "house_number", "house_number_addition", "lat", "lon")
    doors: list[Door] = []
    for address_id, street, number, addition, a_lat, a_lon in rows.iterator(chunk_size=2000):
        distance = haversine_m(lat, lon, a_lat, a_lon)
        if distance <= radius_m:
            doors.append(Door(address_id, street, number, addition, distance))
    doors.sort(key=lambda d: d.distance_m)
    return doors[: MAX_ADDRESSES + 1]


def latest_visits(inquiry: Inquiry) -> dict[int, CanvassVisit]:
    """Stop id -> the newest visit at that door."""
    latest: dict[int, CanvassVisit] = {}
    for visit in inquiry.visits.select_related("answer_set").order_by("visited_at", "pk"):
        latest[visit.stop_id] = visit
    return latest


def stops_of_route(route: CanvassRoute) -> QuerySet[CanvassAddress]:
    return route.stops.select_related("address").order_by("position")
