"""Who may do what with neighbourhood inquiries. Deny by default; scoped by area and group.

- Police steer every inquiry in their jurisdiction and may request one there (INQ-1).
- Coordinators of a group start and run the group's inquiries inside the group's areas.
- Canvassers (verified members certified for training module 3) sign up and see only their own
  route.
"""

from __future__ import annotations

from typing import Any

from samenveilig.accounts.models import Role
from samenveilig.accounts.roles import AnyUser, has_role, jurisdiction_area_ids
from samenveilig.areas.models import Area
from samenveilig.areas.selectors import area_ids_within
from samenveilig.communities.models import Community, Membership, MembershipRole, MembershipStatus
from samenveilig.inquiries.models import CanvasserMark, CanvassRoute, Inquiry, InquiryStatus
from samenveilig.training import permissions as training


def _authenticated(user: AnyUser) -> bool:
    return bool(user and user.is_authenticated)


def police_covers_area(user: AnyUser, area_id: int | None) -> bool:
    if area_id is None or not _authenticated(user) or not has_role(user, Role.POLICE):
        return False
    return area_id in jurisdiction_area_ids(user, Role.POLICE)


def coordinates(user: AnyUser, community: Community) -> bool:
    return (
        _authenticated(user)
        and community.is_active
        and Membership.objects.filter(
            user=user,
            community=community,
            status=MembershipStatus.VERIFIED,
            role=MembershipRole.COORDINATOR,
        ).exists()
    )


def community_covers(community: Community, area: Area) -> bool:
    return area.pk in area_ids_within(community.areas.values_list("id", flat=True))


def user_can_start_inquiry(user: AnyUser, community: Community, neighbourhood: Area) -> bool:
    """A coordinator of a group covering the buurt, or police of the buurt (who then request
    the inquiry from that group)."""
    if not community.is_active or not community_covers(community, neighbourhood):
        return False
    return coordinates(user, community) or police_covers_area(user, neighbourhood.pk)


def user_can_manage_inquiry(user: AnyUser, inquiry: Inquiry) -> bool:
    """Steer: edit routes and pairs, see results, close. Police of the area or the group's
    coordinators."""
    return police_covers_area(user, inquiry.neighbourhood_id) or coordinates(
        user, inquiry.community
    )


def user_can_accept_inquiry(user: AnyUser, inquiry: Inquiry) -> bool:
    return inquiry.status == InquiryStatus.REQUESTED and coordinates(user, inquiry.community)


def is_member(user: AnyUser, community: Community) -> bool:
    return (
        _authenticated(user)
        and Membership.objects.filter(
            user=user, community=community, status=MembershipStatus.VERIFIED
        ).exists()
    )


def is_canvasser(user: AnyUser, community: Community) -> bool:
    """A verified member of the group with a valid certificate for the buurtonderzoek training
    module (INQ-3, TRN-1), whom the group's coordinators have not stopped from canvassing."""
    return (
        is_member(user, community)
        and not training.missing_modules(user, training.CANVASS)
        and not is_stopped_from_canvassing(user, community)
    )


def is_stopped_from_canvassing(user: AnyUser, community: Community) -> bool:
    return CanvasserMark.objects.filter(
        community=community, user=user, revoked_at__isnull=False
    ).exists()


def user_can_mark_canvassers(user: AnyUser, community: Community) -> bool:
    return coordinates(user, community)


def user_can_sign_up(user: AnyUser, inquiry: Inquiry) -> bool:
    return inquiry.status == InquiryStatus.OPEN and is_canvasser(user, inquiry.community)


def user_can_see_inquiry(user: AnyUser, inquiry: Inquiry) -> bool:
    """The overview (what happened, routes, who walks where): managers and the group's
    canvassers. Answers and results stay with managers."""
    return user_can_manage_inquiry(user, inquiry) or is_canvasser(user, inquiry.community)


def user_can_canvass_route(user: AnyUser, route: CanvassRoute) -> bool:
    """Only the pair the route is assigned to, only while the inquiry is open and only while
    they are still canvassers of the group."""
    inquiry = route.inquiry
    return (
        _authenticated(user)
        and inquiry.status == InquiryStatus.OPEN
        and user.pk in route.pair_ids
        and is_canvasser(user, inquiry.community)
    )


def user_can_visit_victim(user: AnyUser, inquiry: Inquiry) -> bool:
    """The victim's door is for the wijkagent or a coordinator, not for the canvass (INQ-2)."""
    return inquiry.status == InquiryStatus.OPEN and user_can_manage_inquiry(user, inquiry)


def user_can_start_from_report(user: AnyUser, report: Any) -> bool:
    """Follow a report up with an inquiry: police who handle the report (reports' own rule), or
    a coordinator of a group covering its buurt, for a report the group's members may see."""
    from samenveilig.reports import permissions as report_permissions

    if not _authenticated(user):
        return False
    if user_can_handle_as_police(user, report):
        return True
    return (
        report.status not in report_permissions.NOT_FOR_MEMBERS
        and report.neighbourhood_id in report_permissions.coordinated_area_ids(user)
    )


def user_can_handle_as_police(user: AnyUser, report: Any) -> bool:
    """Police handling the report see its exact place and may copy it into the form."""
    from samenveilig.reports import permissions as report_permissions

    return police_covers_area(user, report.neighbourhood_id) and (
        report_permissions.user_can_handle_report(user, report)
    )
