"""Who may run Communitymonitor rounds. Deny by default; anonymous users are refused everything
here (answering a round needs no account and no permission: the link is the key).

- A coordinator (or team lead of an investigation team) of an active community may open rounds
  for that community, and resident rounds for an area the community covers.
- A municipality officer may open rounds for areas in their jurisdiction and for communities whose
  areas all lie in it.
- Police, residents, members and admins without one of these roles may not: the survey is the
  organisers' instrument; the police see the public figures on the dashboard.

Managing a round (detail page, link, poster, closing) follows the same right over the round's
community or area, checked now, so a coordinator who stepped down loses access. The free-text
answers are for the round's owner (``created_by``) only, and only while they keep that right.
"""

from __future__ import annotations

from samenveilig.accounts.models import Role
from samenveilig.accounts.roles import AnyUser, has_role, jurisdiction_area_ids
from samenveilig.areas.models import Area
from samenveilig.areas.selectors import area_ids_within
from samenveilig.communities.models import Community, Membership, MembershipStatus
from samenveilig.communities.permissions import is_community_manager
from samenveilig.monitor.models import SurveyRound


def municipality_area_ids(user: AnyUser) -> set[int]:
    """Areas (and everything inside) where the user is a municipality officer."""
    if not user.is_authenticated or not has_role(user, Role.MUNICIPALITY):
        return set()
    return jurisdiction_area_ids(user, Role.MUNICIPALITY)


def managed_communities(user: AnyUser) -> list[Community]:
    """Active communities the user runs (verified coordinator, or team lead of a team)."""
    if not user.is_authenticated:
        return []
    memberships = Membership.objects.filter(
        user=user, status=MembershipStatus.VERIFIED, community__is_active=True
    ).select_related("community")
    return [m.community for m in memberships if is_community_manager(user, m.community)]


def community_area_ids(community: Community) -> set[int]:
    return set(community.areas.values_list("id", flat=True))


def can_open_for_community(user: AnyUser, community: Community) -> bool:
    if not user.is_authenticated or not community.is_active:
        return False
    if is_community_manager(user, community):
        return True
    areas = community_area_ids(community)
    return bool(areas) and areas <= municipality_area_ids(user)


def can_open_for_area(user: AnyUser, area: Area) -> bool:
    if not user.is_authenticated:
        return False
    if area.pk in municipality_area_ids(user):
        return True
    return any(
        area.pk in area_ids_within(community_area_ids(community))
        for community in managed_communities(user)
    )


def can_open_any_round(user: AnyUser) -> bool:
    """Sees the rounds list and the open-round form."""
    return bool(municipality_area_ids(user)) or bool(managed_communities(user))


def can_manage_round(user: AnyUser, survey_round: SurveyRound) -> bool:
    """Round detail, the link and poster, closing: the right over the round's scope, now."""
    if survey_round.community_id:
        return can_open_for_community(user, survey_round.community)
    return can_open_for_area(user, survey_round.area)


def can_read_free_text(user: AnyUser, survey_round: SurveyRound) -> bool:
    """The free-text answers: the round's owner only, and only while they may manage it."""
    return (
        user.is_authenticated
        and survey_round.created_by_id == user.pk
        and can_manage_round(user, survey_round)
    )
