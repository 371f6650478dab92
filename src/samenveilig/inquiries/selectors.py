"""Every read on inquiries, already scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from samenveilig.accounts.models import Role
from samenveilig.accounts.roles import AnyUser, has_role, jurisdiction_area_ids
from samenveilig.areas.models import Address, Area, AreaLevel
from samenveilig.communities.models import (
    Community,
    Membership,
    MembershipRole,
    MembershipStatus,
)
from samenveilig.core.geo import bbox_around, haversine_m
from samenveilig.inquiries.models import (
    MAX_ADDRESSES,
    CanvassAddress,
    CanvasserMark,
    CanvassRoute,
    CanvassVisit,
    Inquiry,
    VisitOutcome,
)
from samenveilig.inquiries.routes import Door
from samenveilig.reports.models import Report
from samenveilig.training import permissions as training
from samenveilig.training.models import Certificate


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
    if not training.missing_modules(user, training.CANVASS):  # canvassers: module 3 (INQ-3)
        scope |= Q(community_id__in=verified.values("community_id"))
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


@dataclass(frozen=True)
class RouteProgress:
    """Doors on a route; how many had a visit; how many answered the door and talked (the
    newest visit per door counts, so "not at home" then "spoke" is reached)."""

    doors: int = 0
    visited: int = 0
    reached: int = 0


def route_progress(inquiry: Inquiry) -> dict[int, RouteProgress]:
    """Route id -> progress, from the newest visit per door. The victim's door (no route) is
    left out; ``victim_visit`` tells about it."""
    doors: dict[int, int] = {}
    route_of: dict[int, int] = {}
    for stop_id, route_id in inquiry.addresses.filter(route__isnull=False).values_list(
        "id", "route_id"
    ):
        route_of[stop_id] = route_id
        doors[route_id] = doors.get(route_id, 0) + 1
    visited: dict[int, int] = {}
    reached: dict[int, int] = {}
    for stop_id, outcome in _newest_outcomes(inquiry).items():
        route_id = route_of.get(stop_id)
        if route_id is None:
            continue
        visited[route_id] = visited.get(route_id, 0) + 1
        if outcome == VisitOutcome.SPOKEN:
            reached[route_id] = reached.get(route_id, 0) + 1
    return {
        route_id: RouteProgress(count, visited.get(route_id, 0), reached.get(route_id, 0))
        for route_id, count in doors.items()
    }


def _newest_outcomes(inquiry: Inquiry) -> dict[int, str]:
    newest: dict[int, str] = {}
    rows = inquiry.visits.order_by("visited_at", "pk").values_list("stop_id", "outcome")
    for stop_id, outcome in rows:
        newest[stop_id] = outcome
    return newest


def victim_stop(inquiry: Inquiry) -> CanvassAddress | None:
    return inquiry.addresses.filter(is_victim=True).select_related("address").first()


def startable_communities(user: AnyUser) -> QuerySet[Community]:
    """Groups the user may start an inquiry for: the active groups they coordinate and, for
    police, the active groups covering part of their jurisdiction. Whether the incident's buurt
    is covered is checked when the place is known (``permissions.user_can_start_inquiry``)."""
    if not user.is_authenticated:
        return Community.objects.none()
    scope = Q(
        pk__in=Membership.objects.filter(
            user=user, status=MembershipStatus.VERIFIED, role=MembershipRole.COORDINATOR
        ).values("community_id")
    )
    if has_role(user, Role.POLICE):
        jurisdiction = jurisdiction_area_ids(user, Role.POLICE)
        if jurisdiction:
            # A group covering a buurt of the jurisdiction, or a wijk/gemeente above one.
            above = set(jurisdiction)
            parents = set(jurisdiction)
            while parents:
                parents = (
                    set(
                        Area.objects.filter(pk__in=parents, parent__isnull=False).values_list(
                            "parent_id", flat=True
                        )
                    )
                    - above
                )
                above |= parents
            scope |= Q(areas__id__in=above)
    return Community.objects.filter(scope, is_active=True).distinct().order_by("name")


def coordinated_communities(user: AnyUser) -> QuerySet[Community]:
    """Active groups the user coordinates (where they grant the canvasser mark)."""
    if not user.is_authenticated:
        return Community.objects.none()
    return Community.objects.filter(
        is_active=True,
        memberships__user=user,
        memberships__status=MembershipStatus.VERIFIED,
        memberships__role=MembershipRole.COORDINATOR,
    ).order_by("name")


def report_for_inquiry(user: AnyUser, reference: str) -> Report | None:
    """The report an inquiry follows up, if this user may start one from it
    (``permissions.user_can_start_from_report``); ``None`` otherwise, existence not revealed."""
    from samenveilig.inquiries.permissions import user_can_start_from_report

    if not user.is_authenticated or not reference or len(reference) > 16:
        return None
    report = (
        Report.objects.select_related("category", "neighbourhood", "address")
        .filter(reference=reference)
        .first()
    )
    if report is None or not user_can_start_from_report(user, report):
        return None
    return report


def verified_members(community: Community, *, search: str = "") -> QuerySet[Membership]:
    """Verified members of the group for the canvassers page, with ``stopped`` (a coordinator
    stopped them from canvassing) and ``canvass_valid_until`` (the end of their newest valid
    certificate for the canvass training, or None)."""
    stopped = CanvasserMark.objects.filter(
        community=community, user=OuterRef("user"), revoked_at__isnull=False
    )
    certified = (
        Certificate.objects.filter(
            user=OuterRef("user"),
            module__in=[m.slug for m in training.required_modules(training.CANVASS)],
            valid_until__gt=timezone.now(),
        )
        .order_by("-valid_until")
        .values("valid_until")[:1]
    )
    members = Membership.objects.filter(
        community=community, status=MembershipStatus.VERIFIED
    ).select_related("user")
    if search:
        members = members.filter(user__display_name__icontains=search)
    return members.annotate(
        stopped=Exists(stopped), canvass_valid_until=Subquery(certified)
    ).order_by("user__display_name", "pk")


def municipality_of(area: Area | None) -> Area | None:
    """The municipality an area lies in (itself for a municipality)."""
    while area is not None and area.level != AreaLevel.MUNICIPALITY:
        area = area.parent
    return area


def default_radius(communities: Any, report: Any = None) -> tuple[int, Area | None]:
    """The canvass radius a new inquiry starts with (NRA-2): the adopted near-repeat default of
    the municipality of the report's buurt, or of the groups the user may start for when they
    all lie in one municipality; otherwise the research default. Also returns that
    municipality (None when it is not one)."""
    from samenveilig.analysis.selectors import near_repeat_defaults

    if report is not None and report.neighbourhood_id is not None:
        municipality = municipality_of(report.neighbourhood)
    else:
        areas = Area.objects.filter(communities__in=communities).select_related(
            "parent", "parent__parent"
        )
        found = {municipality_of(area) for area in areas}
        municipality = found.pop() if len(found) == 1 else None
    radius, _days = near_repeat_defaults(municipality)
    return radius, municipality
