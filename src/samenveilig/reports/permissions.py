"""Named permission predicates for reports (deny by default).

- A *partner user* for a report holds the police or municipality ``RoleGrant`` the report is
  routed to (``report.partner``) or forwarded to (``report.forwarded_to``), with a jurisdiction
  that contains the report's buurt. Reports waiting for a coordinator or not accepted are not
  theirs yet (or at all).
- A *coordinator* (verified) of an active community whose areas cover the buurt, directly or
  through its wijk or gemeente, moderates reports of unverified residents (REP-10).
- A *verified member* of such a community sees that the report exists (category, buurt, time,
  status) but never who sent it, the free text or the photos (PRODUCT §2).

Jurisdictions and community coverage are read once per user object and kept on it, so a page
that checks many reports does not repeat the area walk; the walk itself (granted area → every
area inside) is kept per process for a second.
"""

from __future__ import annotations

from samenveilig.accounts.models import Role, RoleGrant
from samenveilig.accounts.roles import AnyUser, deployment_roles
from samenveilig.areas.models import Area
from samenveilig.reports.models import Partner, Report, ReportStatus
from samenveilig.reports.process_cache import ProcessCache

PARTNER_ROLES: tuple[str, ...] = (Role.POLICE.value, Role.MUNICIPALITY.value)
_PARTNER_ROLE_SET = frozenset(PARTNER_ROLES)
# Granted areas → every area inside them, per process for a second.
_area_walks: ProcessCache[frozenset[int]] = ProcessCache(
    "reports.permissions.area_walks", models=(Area,)
)
# Statuses a partner never handles: the report is not theirs before a coordinator approved it.
NOT_FOR_PARTNERS = (ReportStatus.PENDING_MODERATION, ReportStatus.REJECTED)
# Statuses members of the community may see listed.
NOT_FOR_MEMBERS = NOT_FOR_PARTNERS


def _areas_within(root_ids: frozenset[int]) -> frozenset[int]:
    from samenveilig.areas.selectors import area_ids_within

    return frozenset(area_ids_within(root_ids))


def partner_jurisdictions(user: AnyUser) -> dict[str, set[int]]:
    """``{"police": {area ids}, "municipality": {...}}`` for the partner roles the user holds.

    The grants are read on every request (one query, none for users without a partner role);
    the walk from the granted areas down to their buurten is kept per process for a second
    (areas change rarely; see ``process_cache``)."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, "_report_jurisdictions", None)
    if cached is None:
        cached = {}
        if deployment_roles(user) & _PARTNER_ROLE_SET:
            roots: dict[str, set[int]] = {}
            grants = RoleGrant.objects.filter(user=user, role__in=PARTNER_ROLES)
            for role, area_id in grants.values_list("role", "area_id"):
                ids = roots.setdefault(role, set())
                if area_id is not None:
                    ids.add(area_id)
            for role in PARTNER_ROLES:
                if role in roots:
                    key = frozenset(roots[role])
                    cached[role] = set(_area_walks.get(key, lambda k=key: _areas_within(k)))
        user._report_jurisdictions = cached  # type: ignore[union-attr]
    return cached


def is_partner_user(user: AnyUser) -> bool:
    """Holds a police or municipality role with a jurisdiction (the inbox is theirs)."""
    return any(partner_jurisdictions(user).values())


def _community_area_ids(user: AnyUser, *, coordinators_only: bool) -> set[int]:
    """Every area (with everything inside) covered by the user's verified, active communities."""
    if not user.is_authenticated:
        return set()
    attr = "_report_coordinated_areas" if coordinators_only else "_report_member_areas"
    cached = getattr(user, attr, None)
    if cached is None:
        from samenveilig.areas.selectors import area_ids_within
        from samenveilig.communities.models import Membership, MembershipRole, MembershipStatus

        memberships = Membership.objects.filter(
            user=user, status=MembershipStatus.VERIFIED, community__is_active=True
        )
        if coordinators_only:
            memberships = memberships.filter(role=MembershipRole.COORDINATOR)
        roots = memberships.values_list("community__areas__id", flat=True)
        cached = area_ids_within({pk for pk in roots if pk is not None})
        setattr(user, attr, cached)
    return cached


def coordinated_area_ids(user: AnyUser) -> set[int]:
    """Areas where the user moderates reports (as a verified coordinator)."""
    return _community_area_ids(user, coordinators_only=True)


def member_area_ids(user: AnyUser) -> set[int]:
    """Areas whose reports the user sees as a verified member (any role) of a community."""
    return _community_area_ids(user, coordinators_only=False)


def partner_sides_for(user: AnyUser, report: Report) -> list[str]:
    """The partner roles in which ``user`` may handle ``report``: forwarded-to first."""
    if report.status in NOT_FOR_PARTNERS:
        return []
    jurisdictions = partner_jurisdictions(user)
    sides = [report.forwarded_to] if report.forwarded_to else []
    sides.append(report.partner)
    return [
        side
        for side in dict.fromkeys(sides)
        if side in Partner.values and report.neighbourhood_id in jurisdictions.get(side, set())
    ]


def user_can_handle_report(user: AnyUser, report: Report) -> bool:
    """Open the partner's page of the report and act on it."""
    return bool(partner_sides_for(user, report))


def user_can_see_reporter_identity(user: AnyUser, report: Report) -> bool:
    """Only a partner who handles the report, and only when the reporter consented."""
    return bool(report.share_identity) and user_can_handle_report(user, report)


def user_can_see_report_photos(user: AnyUser, report: Report) -> bool:
    """Photos: the partner who handles the report and the reporter themselves."""
    if not user.is_authenticated:
        return False
    if report.reporter_id is not None and report.reporter_id == user.pk:
        return True
    return user_can_handle_report(user, report)


def user_can_moderate_report(user: AnyUser, report: Report) -> bool:
    """A verified coordinator of a community covering the buurt; never their own report."""
    if not user.is_authenticated or report.reporter_id == user.pk:
        return False
    return report.neighbourhood_id in coordinated_area_ids(user)


def user_can_see_community_report(user: AnyUser, report: Report) -> bool:
    """A verified member of a community covering the buurt sees the report listed (read only,
    without reporter identity, text or photos)."""
    if report.status in NOT_FOR_MEMBERS:
        return False
    return report.neighbourhood_id in member_area_ids(user)
