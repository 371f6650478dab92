"""Who may do what with citizen investigations (INV-1, INV-8). Deny by default.

- Team investigators: verified members with role investigator or team lead of an active
  investigation team, holding valid certificates for training modules 4, 5 and 6
  (``training.permissions.REQUIRED_MODULES["investigation"]``). Ordinary members and
  coordinators never see cases; other teams never see them either.
- Police: the cases handed over by teams whose areas lie in their jurisdiction — nothing before
  hand-over.
"""

from __future__ import annotations

from samenveilig.accounts.models import Role
from samenveilig.accounts.roles import AnyUser, has_role, jurisdiction_area_ids
from samenveilig.communities.models import (
    Community,
    CommunityKind,
    Membership,
    MembershipRole,
    MembershipStatus,
)
from samenveilig.investigations.models import Case, CaseOutcome, CaseStatus
from samenveilig.training.permissions import INVESTIGATION, missing_modules, refusal_message

INVESTIGATOR_ROLES = (MembershipRole.INVESTIGATOR, MembershipRole.TEAM_LEAD)


def _active(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def team_membership(user: AnyUser, team: Community) -> Membership | None:
    """The user's verified investigator/lead membership of an active investigation team."""
    if not _active(user) or team.kind != CommunityKind.INVESTIGATION_TEAM or not team.is_active:
        return None
    return Membership.objects.filter(
        user=user, community=team, status=MembershipStatus.VERIFIED, role__in=INVESTIGATOR_ROLES
    ).first()


def investigation_teams(user: AnyUser) -> list[Community]:
    """Active investigation teams where the user is a verified investigator or lead."""
    if not _active(user):
        return []
    return list(
        Community.objects.filter(
            kind=CommunityKind.INVESTIGATION_TEAM,
            is_active=True,
            memberships__user=user,
            memberships__status=MembershipStatus.VERIFIED,
            memberships__role__in=INVESTIGATOR_ROLES,
        ).distinct()
    )


def is_certified(user: AnyUser) -> bool:
    return _active(user) and not missing_modules(user, INVESTIGATION)


def certification_message(user: AnyUser) -> str:
    """Empty when certified; else a sentence naming the training modules to take."""
    return refusal_message(user, INVESTIGATION)


def is_team_lead(user: AnyUser, team: Community) -> bool:
    membership = team_membership(user, team)
    return membership is not None and membership.role == MembershipRole.TEAM_LEAD


def user_can_work_in_team(user: AnyUser, team: Community) -> bool:
    """Certified investigator or lead of this team: may open, read and join its cases."""
    return team_membership(user, team) is not None and is_certified(user)


def user_can_open_case(user: AnyUser, team: Community) -> bool:
    return user_can_work_in_team(user, team)


def user_can_read_case(user: AnyUser, case: Case) -> bool:
    """Team investigators read their team's cases (every read is audited by the view)."""
    return user_can_work_in_team(user, case.team)


def is_participant(user: AnyUser, case: Case) -> bool:
    return _active(user) and case.participants.filter(user=user).exists()


def user_can_join_case(user: AnyUser, case: Case) -> bool:
    return (
        user_can_work_in_team(user, case.team)
        and not case.is_locked
        and not is_participant(user, case)
    )


def user_can_approve_case(user: AnyUser, case: Case) -> bool:
    """Four-eyes (INV-1, INV-2): a certified lead of the team who did not open the case."""
    return (
        case.status == CaseStatus.DRAFT
        and is_team_lead(user, case.team)
        and is_certified(user)
        and case.opened_by_id != user.pk
    )


def user_can_collect(user: AnyUser, case: Case) -> bool:
    """A certified participant of an approved case with at least two participants."""
    return (
        case.status == CaseStatus.APPROVED
        and user_can_work_in_team(user, case.team)
        and is_participant(user, case)
        and case.participants.count() >= 2
    )


def user_can_review_case(user: AnyUser, case: Case) -> bool:
    """Lifting an entrapment block: a certified lead of the team who did not add the decoy log
    that caused it (four-eyes)."""
    if case.status != CaseStatus.REVIEW or not is_team_lead(user, case.team):
        return False
    if not is_certified(user):
        return False
    blocked_by = case.blocked_by_item
    return blocked_by is None or blocked_by.collected_by_id != user.pk


def user_can_make_working_copy(user: AnyUser, case: Case) -> bool:
    """A certified participant, once the case is approved and until it is closed (INV-4)."""
    return (
        case.status != CaseStatus.DRAFT
        and not case.is_locked
        and user_can_work_in_team(user, case.team)
        and is_participant(user, case)
    )


def user_can_hand_over(user: AnyUser, case: Case) -> bool:
    return (
        case.status in (CaseStatus.APPROVED, CaseStatus.REVIEW, CaseStatus.HANDOVER_REQUIRED)
        and user_can_work_in_team(user, case.team)
        and is_participant(user, case)
    )


def user_can_close_case(user: AnyUser, case: Case) -> bool:
    """Closing as disproved or insufficient: a certified lead of the team."""
    return (
        not case.is_locked
        and case.status != CaseStatus.HANDOVER_REQUIRED
        and is_team_lead(user, case.team)
        and is_certified(user)
    )


def team_area_ids(team: Community) -> set[int]:
    return set(team.areas.values_list("id", flat=True))


def police_covers_team(user: AnyUser, team: Community) -> bool:
    if not _active(user) or not has_role(user, Role.POLICE):
        return False
    areas = team_area_ids(team)
    return bool(areas) and areas <= jurisdiction_area_ids(user, Role.POLICE)


def user_is_police(user: AnyUser) -> bool:
    return _active(user) and has_role(user, Role.POLICE)


def user_can_receive_case(user: AnyUser, case: Case) -> bool:
    """Police of the team's area, once the case was handed over (INV-8)."""
    handed_over = case.status == CaseStatus.HANDED_OVER or (
        case.status == CaseStatus.CLOSED and case.outcome == CaseOutcome.HANDED_OVER
    )
    return handed_over and police_covers_team(user, case.team)


def user_can_download_package(user: AnyUser, case: Case) -> bool:
    """The hand-over package is the only export: the receiving police, and the participants."""
    if not hasattr(case, "package"):
        return False
    return user_can_receive_case(user, case) or (
        user_can_read_case(user, case) and is_participant(user, case)
    )


def user_can_record_agreement(user: AnyUser, team: Community) -> bool:
    """A police agreement is recorded by a certified lead of the team, the police of the team's
    area, or an admin (INV-3)."""
    if team.kind != CommunityKind.INVESTIGATION_TEAM:
        return False
    return (
        (is_team_lead(user, team) and is_certified(user))
        or police_covers_team(user, team)
        or (_active(user) and has_role(user, Role.ADMIN))
    )


def agreement_teams(user: AnyUser) -> list[Community]:
    """The investigation teams whose police agreement the user may record (INV-3)."""
    if not _active(user):
        return []
    teams = Community.objects.filter(kind=CommunityKind.INVESTIGATION_TEAM, is_active=True)
    return [team for team in teams.order_by("name") if user_can_record_agreement(user, team)]
