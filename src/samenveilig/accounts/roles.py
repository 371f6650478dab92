"""Who holds which role: the building blocks of every permission predicate.

Roles come from two places: deployment ``RoleGrant`` rows (police, municipality, privacy officer,
admin) and verified community memberships (member, coordinator, investigator, team lead).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from samenveilig.accounts.models import Role, RoleGrant, User

# Roles whose holders must use two-factor authentication before any other page (PLT-3).
MFA_MEMBERSHIP_ROLES = frozenset({"coordinator", "investigator", "team_lead"})
MFA_DEPLOYMENT_ROLES = frozenset({Role.POLICE, Role.MUNICIPALITY, Role.PRIVACY_OFFICER, Role.ADMIN})

AnyUser = User | AnonymousUser


def deployment_roles(user: AnyUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_deployment_roles", None)
    if cached is None:
        cached = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
        if user.is_superuser:
            cached.add(Role.ADMIN)
        user._deployment_roles = cached  # type: ignore[union-attr]
    return cached


def has_role(user: AnyUser, role: str) -> bool:
    return role in deployment_roles(user)


def is_admin(user: AnyUser) -> bool:
    return has_role(user, Role.ADMIN)


def requires_mfa(user: AnyUser) -> bool:
    """True when the user holds a role that may only be used with two-factor authentication."""
    if not user.is_authenticated:
        return False
    if user.is_staff or deployment_roles(user) & MFA_DEPLOYMENT_ROLES:
        return True
    from samenveilig.communities.models import Membership, MembershipStatus

    return Membership.objects.filter(
        user=user, status=MembershipStatus.VERIFIED, role__in=MFA_MEMBERSHIP_ROLES
    ).exists()


def jurisdiction_area_ids(user: AnyUser, role: str) -> set[int]:
    """Ids of the areas a partner role covers, including every area inside them."""
    if not user.is_authenticated:
        return set()
    from samenveilig.areas.selectors import area_ids_within

    roots = RoleGrant.objects.filter(user=user, role=role, area__isnull=False).values_list(
        "area_id", flat=True
    )
    return area_ids_within(list(roots))
